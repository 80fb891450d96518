/**
 * Longest-common-subsequence length over Unicode code points with the bit-parallel algorithm of
 * Hyyrö (the same one rapidfuzz uses for its Indel distance): one 32-bit word per 32 characters of the
 * pattern, so a pattern can be matched against many texts (partial_ratio's sliding windows) cheaply.
 */

/** Code points of a string (fast path: no surrogates means one code unit per code point). */
export function codePoints(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out.push(((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000);
        i++;
        continue;
      }
    }
    out.push(c);
  }
  return out;
}

export class BitPattern {
  readonly length: number;
  private readonly words: number;
  /** ASCII match masks, `words` entries per character. */
  private readonly ascii: Int32Array;
  private readonly other = new Map<number, Int32Array>();
  private readonly state: Int32Array;

  constructor(pattern: readonly number[]) {
    this.length = pattern.length;
    this.words = Math.max(1, Math.ceil(pattern.length / 32));
    this.ascii = new Int32Array(128 * this.words);
    this.state = new Int32Array(this.words);
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern[i] as number;
      const w = i >>> 5;
      const bit = 1 << (i & 31);
      if (c < 128) {
        const k = c * this.words + w;
        this.ascii[k] = (this.ascii[k] as number) | bit;
      } else {
        let masks = this.other.get(c);
        if (masks === undefined) {
          masks = new Int32Array(this.words);
          this.other.set(c, masks);
        }
        masks[w] = (masks[w] as number) | bit;
      }
    }
  }

  has(c: number): boolean {
    if (c < 128) {
      for (let w = 0; w < this.words; w++) if (this.ascii[c * this.words + w] !== 0) return true;
      return false;
    }
    return this.other.has(c);
  }

  /** LCS length between the pattern and text[start, end). */
  lcs(text: readonly number[], start = 0, end = text.length): number {
    if (this.length === 0 || end <= start) return 0;
    const words = this.words;
    const s = this.state;
    s.fill(-1);
    if (words === 1) {
      let v = -1;
      for (let i = start; i < end; i++) {
        const c = text[i] as number;
        const m = c < 128 ? (this.ascii[c] as number) : (this.other.get(c)?.[0] ?? 0);
        const u = v & m;
        v = ((v >>> 0) + (u >>> 0)) | (v & ~u);
      }
      return popcount(~v & lowMask(this.length));
    }
    for (let i = start; i < end; i++) {
      const c = text[i] as number;
      const masks = c < 128 ? null : this.other.get(c);
      if (c >= 128 && masks === undefined) continue; // no match: v + 0 | v = v
      let carry = 0;
      for (let w = 0; w < words; w++) {
        const m = masks === null ? (this.ascii[c * words + w] as number) : ((masks as Int32Array)[w] as number);
        const v = s[w] as number;
        const u = v & m;
        const sum = (v >>> 0) + (u >>> 0) + carry;
        carry = sum > 0xffffffff ? 1 : 0;
        s[w] = sum | (v & ~u);
      }
    }
    let zeros = 0;
    for (let w = 0; w < words; w++) {
      const bits = w === words - 1 ? this.length - 32 * w : 32;
      zeros += popcount(~(s[w] as number) & lowMask(bits));
    }
    return zeros;
  }
}

function lowMask(bits: number): number {
  return bits >= 32 ? -1 : (1 << bits) - 1;
}

function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** rapidfuzz `Indel.normalized_similarity` (1 - indel distance / total length; 1 for two empty inputs). */
export function indelNormalizedSimilarity(lcs: number, len1: number, len2: number): number {
  const lensum = len1 + len2;
  if (lensum === 0) return 1;
  return 1 - (lensum - 2 * lcs) / lensum;
}
