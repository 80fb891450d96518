/**
 * Longest-common-subsequence length over Unicode code points with the bit-parallel algorithm of
 * Hyyrö (the same one rapidfuzz uses for its Indel distance): one 32-bit word per 32 characters of the
 * pattern, so a pattern can be matched against many texts (partial_ratio's sliding windows) cheaply.
 *
 * Graders run on a worker whose young generation is small, so a pattern is meant to be reused: `set` loads a new
 * pattern into the same typed arrays instead of allocating masks per comparison.
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

/** A sequence of code points: the first `length` entries of an Int32Array (scratch buffers are longer). */
export type CodeSeq = Int32Array;

/** Scratch buffers up to this many entries are kept however small the next input; larger ones only while needed. */
const KEEP_ENTRIES = 1 << 16;

/**
 * Whether a scratch buffer of `length` entries should be replaced for an input needing `needed`: too small, or
 * much too large (one long text must not pin its buffers for the life of the worker).
 */
export function refit(length: number, needed: number): boolean {
  return length < needed || (length > KEEP_ENTRIES && length > 4 * needed);
}

/** A new scratch size for `needed` entries: the next power of two, so growing inputs reallocate rarely. */
export function scratchSize(needed: number): number {
  let size = 64;
  while (size < needed) size *= 2;
  return size;
}

export class BitPattern {
  length = 0;
  private words = 1;
  /** ASCII match masks, `words` entries per character. */
  private ascii = new Int32Array(128);
  /**
   * Non-ASCII characters: an open-addressing table from code point (`otherKeys`, -1 = empty) to a row of
   * `words` masks in `otherMasks` (`otherRow`). A Map of arrays would allocate per character and pattern.
   */
  private otherKeys = new Int32Array(64).fill(-1);
  private otherRow = new Int32Array(64);
  private otherMask = 63;
  private otherMasks = new Int32Array(64);
  private otherCount = 0;
  private state = new Int32Array(1);

  constructor(pattern?: readonly number[]) {
    if (pattern) this.set(Int32Array.from(pattern), 0, pattern.length);
  }

  /** Loads pattern[start, end) (code points), replacing the previous pattern. */
  set(pattern: CodeSeq, start: number, end: number): void {
    const length = end - start;
    const words = Math.max(1, Math.ceil(length / 32));
    this.length = length;
    this.words = words;
    if (refit(this.ascii.length, 128 * words)) this.ascii = new Int32Array(128 * words);
    else this.ascii.fill(0, 0, 128 * words);
    if (refit(this.state.length, words)) this.state = new Int32Array(words);
    this.resetOther(length, words);
    for (let i = 0; i < length; i++) {
      const c = pattern[start + i] as number;
      const w = i >>> 5;
      const bit = 1 << (i & 31);
      if (c < 128) {
        const k = c * words + w;
        this.ascii[k] = (this.ascii[k] as number) | bit;
      } else {
        const k = this.otherSlotFor(c) * words + w;
        this.otherMasks[k] = (this.otherMasks[k] as number) | bit;
      }
    }
  }

  /** Empties the non-ASCII table, sized for up to `length` distinct characters at load factor <= 1/2. */
  private resetOther(length: number, words: number): void {
    const cap = scratchSize(2 * length);
    if (refit(this.otherKeys.length, cap)) {
      this.otherKeys = new Int32Array(cap).fill(-1);
      this.otherRow = new Int32Array(cap);
    } else if (this.otherCount > 0) this.otherKeys.fill(-1, 0, this.otherMask + 1);
    this.otherMask = cap - 1;
    this.otherCount = 0;
    // rows are added as distinct characters turn up (otherSlotFor); start with room for a few
    if (refit(this.otherMasks.length, 8 * words)) this.otherMasks = new Int32Array(scratchSize(8 * words));
  }

  /** Row of a non-ASCII character while loading, added (zeroed) if new. */
  private otherSlotFor(c: number): number {
    const mask = this.otherMask;
    let slot = Math.imul(c, 0x9e3779b1) & mask;
    for (;;) {
      const key = this.otherKeys[slot] as number;
      if (key === c) return this.otherRow[slot] as number;
      if (key === -1) {
        const row = this.otherCount++;
        this.otherKeys[slot] = c;
        this.otherRow[slot] = row;
        const words = this.words;
        if (this.otherMasks.length < (row + 1) * words) {
          const grown = new Int32Array(scratchSize((row + 1) * words));
          grown.set(this.otherMasks.subarray(0, row * words));
          this.otherMasks = grown;
        }
        this.otherMasks.fill(0, row * words, (row + 1) * words);
        return row;
      }
      slot = (slot + 1) & mask;
    }
  }

  /** Row of a non-ASCII character, -1 when the pattern does not contain it. */
  private otherRowOf(c: number): number {
    if (this.otherCount === 0) return -1;
    const mask = this.otherMask;
    let slot = Math.imul(c, 0x9e3779b1) & mask;
    for (;;) {
      const key = this.otherKeys[slot] as number;
      if (key === c) return this.otherRow[slot] as number;
      if (key === -1) return -1;
      slot = (slot + 1) & mask;
    }
  }

  has(c: number): boolean {
    if (c < 128) {
      for (let w = 0; w < this.words; w++) if (this.ascii[c * this.words + w] !== 0) return true;
      return false;
    }
    return this.otherRowOf(c) >= 0;
  }

  /** LCS length between the pattern and text[start, end). */
  lcs(text: CodeSeq, start: number, end: number): number {
    if (this.length === 0 || end <= start) return 0;
    const words = this.words;
    if (words === 1) return popcount(~this.lcsOneWord(text, start, end) & lowMask(this.length));
    const s = this.state;
    s.fill(-1, 0, words);
    for (let i = start; i < end; i++) {
      const c = text[i] as number;
      let masks = this.ascii;
      let base = c * words;
      if (c >= 128) {
        const row = this.otherRowOf(c);
        if (row < 0) continue; // no match: v + 0 | v = v
        masks = this.otherMasks;
        base = row * words;
      }
      let carry = 0;
      for (let w = 0; w < words; w++) {
        const m = masks[base + w] as number;
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

  /** The state word after matching text[start, end) against a pattern of at most 32 characters. */
  private lcsOneWord(text: CodeSeq, start: number, end: number): number {
    let v = -1;
    for (let i = start; i < end; i++) {
      const c = text[i] as number;
      let m = 0;
      if (c < 128) m = this.ascii[c] as number;
      else {
        const row = this.otherRowOf(c);
        if (row >= 0) m = this.otherMasks[row] as number;
      }
      const u = v & m;
      v = ((v >>> 0) + (u >>> 0)) | (v & ~u);
    }
    return v;
  }
}

/**
 * LCS length of a[0, lenA) and b[0, lenB), loading `a` (less its common prefix and suffix with `b`) into `pattern`.
 * A common prefix or suffix is always part of some longest common subsequence, so only the middles need the
 * bit-parallel pass (as rapidfuzz does); edited answers share most of their text.
 */
export function seqLcs(pattern: BitPattern, a: CodeSeq, lenA: number, b: CodeSeq, lenB: number): number {
  let prefix = 0;
  const max = Math.min(lenA, lenB);
  while (prefix < max && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < max - prefix && a[lenA - 1 - suffix] === b[lenB - 1 - suffix]) suffix++;
  const common = prefix + suffix;
  if (common === lenA || common === lenB) return common;
  pattern.set(a, prefix, lenA - suffix);
  return common + pattern.lcs(b, prefix, lenB - suffix);
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
