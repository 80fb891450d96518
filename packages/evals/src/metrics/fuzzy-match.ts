import { BitPattern, type CodeSeq, indelNormalizedSimilarity, refit, scratchSize, seqLcs } from "./indel.ts";

/**
 * fuzzy_match = rapidfuzz `fuzz.WRatio(output, reference, processor=utils.default_process) / 100`.
 *
 * No maintained JS port reproduces rapidfuzz (fuzzball follows thefuzz/fuzzywuzzy: integer scores, difflib-style
 * partial_ratio, Python `str.lower()`), so this is a re-implementation of rapidfuzz's algorithm:
 * - default_process: per code point, letters/digits (Python `isalnum`) are lower-cased with the simple one-to-one
 *   mapping, everything else becomes a space; then leading/trailing spaces are trimmed.
 * - ratio = normalized Indel similarity; partial_ratio = best ratio of the shorter string against every window of
 *   the longer one that can be optimal (rapidfuzz's exact search; rapidfuzz switches to a heuristic over matching
 *   blocks for needles longer than 64 characters, which can only score lower, see fixtures/README.md).
 * - WRatio: length ratio < 1.5 -> max(ratio, 0.95 * max(token_set, token_sort)); otherwise partial scale 0.9
 *   (0.6 when the length ratio is >= 8) and max(ratio, scale * partial_ratio, 0.95 * scale * partial_token_ratio).
 * - Either side empty after processing -> 0.
 *
 * Graders run on a worker with a small young generation, so everything below works in module-level scratch buffers
 * (code points in Int32Arrays, tokens as spans of them, one reusable bit pattern) rather than arrays and strings
 * per call. Calls are synchronous and never nest, so one set of buffers is enough.
 */

const UNBASE_SCALE = 0.95;
const ALNUM = /[\p{L}\p{N}]/u;
const SPACE = 32;

function processCodePointSlow(c: number): number {
  const ch = String.fromCodePoint(c);
  if (!ALNUM.test(ch)) return SPACE;
  if (c === 0x130) return 0x69; // simple lower-case mapping of U+0130 is "i" (full mapping adds U+0307)
  const lower = ch.toLowerCase();
  const lc = lower.codePointAt(0) as number;
  return lower.length === ch.length ? lc : c;
}

/** default_process of BMP characters already seen (-1: not yet computed); created on the first non-ASCII input. */
let bmpCache: Int32Array | undefined;

function processCodePoint(c: number): number {
  if (c < 128) {
    if (c >= 65 && c <= 90) return c + 32;
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) return c;
    return SPACE;
  }
  if (c > 0xffff) return processCodePointSlow(c);
  if (bmpCache === undefined) bmpCache = new Int32Array(0x10000).fill(-1);
  let p = bmpCache[c] as number;
  if (p < 0) {
    p = processCodePointSlow(c);
    bmpCache[c] = p;
  }
  return p;
}

/** Scratch buffers, grown on demand: processed inputs, joined token lists, token spans. */
class Seq {
  data: CodeSeq = new Int32Array(64);
  length = 0;
  /** Makes room for n entries (the content is not kept). */
  reserve(n: number): void {
    if (refit(this.data.length, n)) this.data = new Int32Array(scratchSize(n));
  }
}

/** Writes rapidfuzz's default_process of `s` (code points, trimmed) into `out`. */
function processInto(s: string, out: Seq): void {
  out.reserve(s.length);
  const d = out.data;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const low = s.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        c = ((c - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
        i++;
      }
    }
    d[n++] = processCodePoint(c);
  }
  let start = 0;
  while (start < n && d[start] === SPACE) start++;
  while (n > start && d[n - 1] === SPACE) n--;
  if (start > 0) d.copyWithin(0, start, n);
  out.length = n - start;
}

/** rapidfuzz `utils.default_process` as code points. */
export function defaultProcess(s: string): number[] {
  const out = new Seq();
  processInto(s, out);
  return Array.from(out.data.subarray(0, out.length));
}

/**
 * The tokens of a processed string (runs of non-spaces) as spans of it, sorted by code point (then by length, a
 * prefix first) as Python sorts strings, and deduplicated.
 */
class Tokens {
  seq = new Seq();
  starts = new Int32Array(16);
  ends = new Int32Array(16);
  /** Per token, its first code points packed into one number (see sortKey): most comparisons end there. */
  keys = new Float64Array(16);
  count = 0;
  /** Token indices in sorted order (a plain array: Array.prototype.sort with a comparator for long texts). */
  order: number[] = [];
  /** Number of distinct tokens; `uniqueOrder[0, unique)` are the sorted distinct token indices. */
  unique = 0;
  uniqueOrder = new Int32Array(16);

  split(s: Seq): void {
    this.seq = s;
    if (refit(this.starts.length, s.length)) {
      const cap = scratchSize(s.length);
      this.starts = new Int32Array(cap);
      this.ends = new Int32Array(cap);
      this.keys = new Float64Array(cap);
      this.uniqueOrder = new Int32Array(cap);
    }
    const d = s.data;
    let n = 0;
    let i = 0;
    while (i < s.length) {
      while (i < s.length && d[i] === SPACE) i++;
      if (i >= s.length) break;
      const start = i;
      while (i < s.length && d[i] !== SPACE) i++;
      this.starts[n] = start;
      this.ends[n] = i;
      this.keys[n++] = sortKey(d, start, i);
    }
    this.count = n;
    this.sort();
  }

  private sort(): void {
    const order = this.order;
    order.length = this.count;
    for (let k = 0; k < this.count; k++) order[k] = k;
    if (this.count <= INSERTION_SORT_MAX) insertionSort(order, this);
    else {
      sortTokens = this;
      order.sort(compareSorted);
    }
    let unique = 0;
    for (let k = 0; k < this.count; k++) {
      const t = order[k] as number;
      if (unique === 0 || compareTokens(this, t, this, this.uniqueOrder[unique - 1] as number) !== 0) this.uniqueOrder[unique++] = t;
    }
    this.unique = unique;
  }

  len(t: number): number {
    return (this.ends[t] as number) - (this.starts[t] as number);
  }
}

const KEY_CHARS = 3;
const KEY_RADIX = 2 ** 17;
const KEY_CLAMP = KEY_RADIX - 1;

/**
 * The first three code points of d[start, end) as digits of one number (< 2^51), each code point c as c + 1 and
 * a missing one as 0, so that comparing keys compares tokens. A code point too large for a digit becomes the
 * largest digit and ends the key (the digits after it are 0): then equal keys only mean "compare the tokens".
 */
function sortKey(d: CodeSeq, start: number, end: number): number {
  let key = 0;
  let open = true;
  for (let k = 0; k < KEY_CHARS; k++) {
    let digit = 0;
    if (open && start + k < end) {
      digit = Math.min((d[start + k] as number) + 1, KEY_CLAMP);
      open = digit < KEY_CLAMP;
    }
    key = key * KEY_RADIX + digit;
  }
  return key;
}

/** Lexicographic comparison of token `a` of `ta` with token `b` of `tb` by code point (a prefix first); sign only. */
function compareTokens(ta: Tokens, a: number, tb: Tokens, b: number): number {
  const keyA = ta.keys[a] as number;
  const keyB = tb.keys[b] as number;
  if (keyA !== keyB) return keyA < keyB ? -1 : 1;
  const aStart = ta.starts[a] as number;
  const bStart = tb.starts[b] as number;
  const aLen = (ta.ends[a] as number) - aStart;
  const bLen = (tb.ends[b] as number) - bStart;
  const n = Math.min(aLen, bLen);
  const da = ta.seq.data;
  const db = tb.seq.data;
  for (let i = 0; i < n; i++) {
    const diff = (da[aStart + i] as number) - (db[bStart + i] as number);
    if (diff !== 0) return diff;
  }
  return aLen - bLen;
}

/**
 * Up to this many tokens (short answers), an insertion sort: Array.prototype.sort copies into a temporary array.
 * Equal tokens are interchangeable (same code points), so any correct sort joins to the same sequence.
 */
const INSERTION_SORT_MAX = 32;

function insertionSort(order: number[], tokens: Tokens): void {
  for (let k = 1; k < order.length; k++) {
    const t = order[k] as number;
    let j = k - 1;
    while (j >= 0 && compareTokens(tokens, order[j] as number, tokens, t) > 0) {
      order[j + 1] = order[j] as number;
      j--;
    }
    order[j + 1] = t;
  }
}

// The comparator reads the tokens being sorted from here, so sorting allocates no closure.
let sortTokens = new Tokens();
function compareSorted(a: number, b: number): number {
  return compareTokens(sortTokens, a, sortTokens, b);
}

/** Appends token `t` to `out`, after a space unless `out` is empty. */
function appendToken(out: Seq, tokens: Tokens, t: number): void {
  const start = tokens.starts[t] as number;
  const end = tokens.ends[t] as number;
  const d = out.data;
  const src = tokens.seq.data;
  let n = out.length;
  if (n > 0) d[n++] = SPACE;
  for (let i = start; i < end; i++) d[n++] = src[i] as number; // a loop: subarray() would allocate a view
  out.length = n;
}

/** The sorted tokens joined with single spaces (rapidfuzz's sorted_split().join()); all of them or the distinct ones. */
function joinSorted(out: Seq, tokens: Tokens, distinct: boolean): void {
  out.reserve(tokens.seq.length);
  out.length = 0;
  if (distinct) for (let k = 0; k < tokens.unique; k++) appendToken(out, tokens, tokens.uniqueOrder[k] as number);
  else for (let k = 0; k < tokens.count; k++) appendToken(out, tokens, tokens.order[k] as number);
}

const pattern = new BitPattern();

function lcsOf(a: Seq, b: Seq): number {
  return seqLcs(pattern, a.data, a.length, b.data, b.length);
}

function ratio(a: Seq, b: Seq): number {
  return indelNormalizedSimilarity(lcsOf(a, b), a.length, b.length) * 100;
}

/**
 * Best normalized similarity of `needle` (the shorter) against alignments in `hay`: the windows of the needle's
 * width, then the shorter ones at both ends (rapidfuzz visits the same windows; the maximum does not depend on the
 * order). A window matches at most min(needle, width, lcsBound) characters (lcsBound: the LCS of needle and the
 * whole hay, when known) and the similarity grows with the LCS, so a window whose score could not exceed
 * max(best, cutoff) even then is skipped: the result is exact whenever it is above `cutoff` (rapidfuzz's
 * score_cutoff), and at most `cutoff` otherwise.
 */
function partialImpl(needle: Seq, hay: Seq, cutoff: number, lcsBound: number): number {
  const len1 = needle.length;
  const len2 = hay.length;
  const h = hay.data;
  // the bound 2 min(width, lcsBound) / (len1 + width) of a window (width <= len1) peaks at width = min(lcsBound, len1)
  if (windowBound(len1, Math.min(lcsBound, len1), lcsBound) <= cutoff) return 0;
  pattern.set(needle.data, 0, len1);
  let best = 0;
  for (let i = 0; i < len2 - len1; i++) {
    if (!pattern.has(h[i + len1 - 1] as number) || windowBound(len1, len1, lcsBound) <= Math.max(best, cutoff)) continue;
    best = Math.max(best, windowScore(h, len1, i, i + len1));
    if (best === 1) return 100;
  }
  for (let i = 1; i < len1; i++) {
    if (!pattern.has(h[i - 1] as number) || windowBound(len1, i, lcsBound) <= Math.max(best, cutoff)) continue;
    best = Math.max(best, windowScore(h, len1, 0, i));
    if (best === 1) return 100;
  }
  for (let i = Math.max(len2 - len1, 0); i < len2; i++) {
    if (!pattern.has(h[i] as number) || windowBound(len1, len2 - i, lcsBound) <= Math.max(best, cutoff)) continue;
    best = Math.max(best, windowScore(h, len1, i, len2));
    if (best === 1) return 100;
  }
  return best * 100;
}

/** The highest similarity a window of `width` characters could reach against a needle of len1. */
function windowBound(len1: number, width: number, lcsBound: number): number {
  return indelNormalizedSimilarity(Math.min(len1, width, lcsBound), len1, width);
}

/** Similarity of the loaded pattern (length len1) and hay[start, end). */
function windowScore(hay: CodeSeq, len1: number, start: number, end: number): number {
  return indelNormalizedSimilarity(pattern.lcs(hay, start, end), len1, end - start);
}

/** partial_ratio, exact when above cutoff · 100 (at most that otherwise); lcsBound: LCS(a, b) if known. */
function partialRatio(a: Seq, b: Seq, cutoff = 0, lcsBound = Number.POSITIVE_INFINITY): number {
  if (a.length === 0 && b.length === 0) return 100;
  if (a.length === 0 || b.length === 0) return 0;
  const shorter = a.length <= b.length ? a : b;
  const longer = a.length <= b.length ? b : a;
  let res = partialImpl(shorter, longer, cutoff, lcsBound);
  if (res !== 100 && a.length === b.length) res = Math.max(res, partialImpl(longer, shorter, cutoff, lcsBound));
  return res;
}

/**
 * A similarity c (0..1) such that any partial_ratio p <= 100 c gives p · scale <= other: then the exact p cannot
 * change max(other, p · scale). Checked in floating point as the caller computes it (0 if the check fails).
 */
function partialCutoff(other: number, scale: number): number {
  const cutoff = (other / scale / 100) * (1 - 1e-12);
  return cutoff * 100 * scale <= other ? cutoff : 0;
}

function normDistance(dist: number, lensum: number): number {
  return lensum > 0 ? 100 - (100 * dist) / lensum : 100;
}

const procA = new Seq();
const procB = new Seq();
const tokensA = new Tokens();
const tokensB = new Tokens();
const joinA = new Seq();
const joinB = new Seq();

/** splitIntersection's result (a module-level object: no allocation per call). */
const intersection = { len: 0, count: 0 };

/**
 * Walks both sorted distinct token lists at once: writes the tokens only A has into joinA and only B has into
 * joinB (sorted, space-joined: rapidfuzz's diff_ab / diff_ba) and stores the intersection's summed token length
 * and size in `intersection`. The original formulation built string-keyed sets; sorted spans give the same sets without strings.
 */
function splitIntersection(): void {
  joinA.reserve(procA.length);
  joinB.reserve(procB.length);
  joinA.length = 0;
  joinB.length = 0;
  let sectLen = 0;
  let sectCount = 0;
  let i = 0;
  let j = 0;
  while (i < tokensA.unique || j < tokensB.unique) {
    const a = tokensA.uniqueOrder[i] as number;
    const b = tokensB.uniqueOrder[j] as number;
    const cmp = i >= tokensA.unique ? 1 : j >= tokensB.unique ? -1 : compareTokens(tokensA, a, tokensB, b);
    if (cmp === 0) {
      sectLen += tokensA.len(a);
      sectCount++;
      i++;
      j++;
    } else if (cmp < 0) {
      appendToken(joinA, tokensA, a);
      i++;
    } else {
      appendToken(joinB, tokensB, b);
      j++;
    }
  }
  intersection.len = sectLen;
  intersection.count = sectCount;
}

function tokenSetRatio(): number {
  if (tokensA.unique === 0 || tokensB.unique === 0) return 0;
  splitIntersection();
  const sectCount = intersection.count;
  let sectLen = intersection.len;
  if (sectCount > 0) sectLen += sectCount - 1;
  if (sectCount > 0 && (joinA.length === 0 || joinB.length === 0)) return 100;
  const ab = joinA;
  const ba = joinB;
  const sep = sectLen !== 0 ? 1 : 0;
  const sectAbLen = sectLen + sep + ab.length;
  const sectBaLen = sectLen + sep + ba.length;
  const lcs = ab.length === 0 || ba.length === 0 ? 0 : lcsOf(ab, ba);
  const result = normDistance(ab.length + ba.length - 2 * lcs, sectAbLen + sectBaLen);
  if (sectLen === 0) return result;
  const sectAbRatio = normDistance(sep + ab.length, sectLen + sectAbLen);
  const sectBaRatio = normDistance(sep + ba.length, sectLen + sectBaLen);
  return Math.max(result, sectAbRatio, sectBaRatio);
}

/** Whether the two sorted distinct token lists share a token. */
function shareToken(): boolean {
  let i = 0;
  let j = 0;
  while (i < tokensA.unique && j < tokensB.unique) {
    const cmp = compareTokens(tokensA, tokensA.uniqueOrder[i] as number, tokensB, tokensB.uniqueOrder[j] as number);
    if (cmp === 0) return true;
    if (cmp < 0) i++;
    else j++;
  }
  return false;
}

function partialTokenRatio(): number {
  if (shareToken()) return 100;
  // no common token: the differences are the full (deduplicated) token sets
  joinSorted(joinA, tokensA, false);
  joinSorted(joinB, tokensB, false);
  const result = partialRatio(joinA, joinB);
  if (tokensA.count === tokensA.unique && tokensB.count === tokensB.unique) return result;
  joinSorted(joinA, tokensA, true);
  joinSorted(joinB, tokensB, true);
  return Math.max(result, partialRatio(joinA, joinB));
}

function sameSeq(a: Seq, b: Seq): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a.data[i] !== b.data[i]) return false;
  return true;
}

/** WRatio of procA and procB, 0..100. */
function wratioScratch(): number {
  const len1 = procA.length;
  const len2 = procB.length;
  if (len1 === 0 || len2 === 0) return 0;
  // equal sequences: ratio is exactly 100 (lcs = len), which WRatio returns as is
  if (sameSeq(procA, procB)) return 100;
  const lenRatio = len1 > len2 ? len1 / len2 : len2 / len1;
  const lcs = lcsOf(procA, procB);
  const end = indelNormalizedSimilarity(lcs, len1, len2) * 100; // ratio(procA, procB)
  if (end === 100) return 100;
  tokensA.split(procA);
  tokensB.split(procB);
  if (lenRatio < 1.5) {
    joinSorted(joinA, tokensA, false);
    joinSorted(joinB, tokensB, false);
    const tokenSort = ratio(joinA, joinB);
    return Math.max(end, Math.max(tokenSetRatio(), tokenSort) * UNBASE_SCALE);
  }
  // max(ratio, partial_ratio · scale, partial_token_ratio · 0.95 · scale), the partial ratio last: it is the costly
  // one, and only needs to be exact if it can beat the other two
  const partialScale = lenRatio < 8 ? 0.9 : 0.6;
  const other = Math.max(end, partialTokenRatio() * UNBASE_SCALE * partialScale);
  const partial = partialRatio(procA, procB, partialCutoff(other, partialScale), lcs);
  return Math.max(Math.max(end, partial * partialScale), other);
}

function load(out: Seq, s: readonly number[]): void {
  out.reserve(s.length);
  for (let i = 0; i < s.length; i++) out.data[i] = s[i] as number;
  out.length = s.length;
}

/** rapidfuzz fuzz.WRatio on already-processed code points, 0..100. */
export function wratio(s1: readonly number[], s2: readonly number[]): number {
  load(procA, s1);
  load(procB, s2);
  return wratioScratch();
}

export function fuzzyMatch(output: string, reference: string): number {
  if (output === reference) {
    // what wratioScratch returns for two equal sequences: 0 when empty after processing, else ratio = 100
    processInto(output, procA);
    return procA.length === 0 ? 0 : 1;
  }
  processInto(output, procA);
  processInto(reference, procB);
  return wratioScratch() / 100;
}
