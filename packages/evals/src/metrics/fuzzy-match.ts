import { BitPattern, codePoints, indelNormalizedSimilarity } from "./indel.ts";

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
 */

const UNBASE_SCALE = 0.95;
const ALNUM = /[\p{L}\p{N}]/u;

function processCodePoint(c: number): number {
  if (c < 128) {
    if (c >= 65 && c <= 90) return c + 32;
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) return c;
    return 32;
  }
  const ch = String.fromCodePoint(c);
  if (!ALNUM.test(ch)) return 32;
  if (c === 0x130) return 0x69; // simple lower-case mapping of U+0130 is "i" (full mapping adds U+0307)
  const lower = ch.toLowerCase();
  const lc = lower.codePointAt(0) as number;
  return lower.length === ch.length ? lc : c;
}

/** rapidfuzz `utils.default_process` as code points. */
export function defaultProcess(s: string): number[] {
  const cps = codePoints(s);
  for (let i = 0; i < cps.length; i++) cps[i] = processCodePoint(cps[i] as number);
  let start = 0;
  let end = cps.length;
  while (start < end && cps[start] === 32) start++;
  while (end > start && cps[end - 1] === 32) end--;
  return start === 0 && end === cps.length ? cps : cps.slice(start, end);
}

type Seq = readonly number[];

function ratio(a: Seq, b: Seq): number {
  return indelNormalizedSimilarity(new BitPattern(a).lcs(b), a.length, b.length) * 100;
}

/** Best normalized similarity of `needle` (the shorter) against alignments in `hay`. */
function partialImpl(needle: Seq, hay: Seq): number {
  const len1 = needle.length;
  const len2 = hay.length;
  const pat = new BitPattern(needle);
  let best = 0;
  const consider = (start: number, end: number): boolean => {
    const score = indelNormalizedSimilarity(pat.lcs(hay, start, end), len1, end - start);
    if (score > best) best = score;
    return best === 1;
  };
  for (let i = 1; i < len1; i++) if (pat.has(hay[i - 1] as number) && consider(0, i)) return 100;
  for (let i = 0; i < len2 - len1; i++) if (pat.has(hay[i + len1 - 1] as number) && consider(i, i + len1)) return 100;
  for (let i = Math.max(len2 - len1, 0); i < len2; i++) if (pat.has(hay[i] as number) && consider(i, len2)) return 100;
  return best * 100;
}

function partialRatio(a: Seq, b: Seq): number {
  if (a.length === 0 && b.length === 0) return 100;
  if (a.length === 0 || b.length === 0) return 0;
  const [shorter, longer] = a.length <= b.length ? [a, b] : [b, a];
  let res = partialImpl(shorter, longer);
  if (res !== 100 && a.length === b.length) res = Math.max(res, partialImpl(longer, shorter));
  return res;
}

/** Tokens of a processed string (only spaces separate them) as code-point arrays. */
function splitTokens(s: Seq): number[][] {
  const out: number[][] = [];
  let cur: number[] = [];
  for (const c of s) {
    if (c === 32) {
      if (cur.length > 0) out.push(cur);
      cur = [];
    } else cur.push(c);
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

function compareSeq(a: Seq, b: Seq): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

const keyOf = (t: Seq): string => String.fromCodePoint(...t);

function joinSorted(tokens: readonly Seq[]): number[] {
  const sorted = [...tokens].sort(compareSeq);
  const out: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    if (i > 0) out.push(32);
    for (const c of sorted[i] as Seq) out.push(c);
  }
  return out;
}

function uniqueTokens(tokens: readonly Seq[]): Map<string, Seq> {
  const m = new Map<string, Seq>();
  for (const t of tokens) m.set(keyOf(t), t);
  return m;
}

function normDistance(dist: number, lensum: number): number {
  return lensum > 0 ? 100 - (100 * dist) / lensum : 100;
}

function tokenSetRatio(setA: Map<string, Seq>, setB: Map<string, Seq>): number {
  if (setA.size === 0 || setB.size === 0) return 0;
  const diffAB: Seq[] = [];
  const diffBA: Seq[] = [];
  let sectLen = 0;
  let sectCount = 0;
  for (const [k, t] of setA) {
    if (setB.has(k)) {
      sectLen += t.length;
      sectCount++;
    } else diffAB.push(t);
  }
  for (const [k, t] of setB) if (!setA.has(k)) diffBA.push(t);
  if (sectCount > 0) sectLen += sectCount - 1;
  if (sectCount > 0 && (diffAB.length === 0 || diffBA.length === 0)) return 100;
  const ab = joinSorted(diffAB);
  const ba = joinSorted(diffBA);
  const sep = sectLen !== 0 ? 1 : 0;
  const sectAbLen = sectLen + sep + ab.length;
  const sectBaLen = sectLen + sep + ba.length;
  const lcs = ab.length === 0 || ba.length === 0 ? 0 : new BitPattern(ab).lcs(ba);
  const result = normDistance(ab.length + ba.length - 2 * lcs, sectAbLen + sectBaLen);
  if (sectLen === 0) return result;
  const sectAbRatio = normDistance(sep + ab.length, sectLen + sectAbLen);
  const sectBaRatio = normDistance(sep + ba.length, sectLen + sectBaLen);
  return Math.max(result, sectAbRatio, sectBaRatio);
}

function partialTokenRatio(tokensA: readonly Seq[], tokensB: readonly Seq[], setA: Map<string, Seq>, setB: Map<string, Seq>): number {
  for (const k of setA.keys()) if (setB.has(k)) return 100;
  // no common token: the differences are the full (deduplicated) token sets
  const result = partialRatio(joinSorted(tokensA), joinSorted(tokensB));
  if (tokensA.length === setA.size && tokensB.length === setB.size) return result;
  return Math.max(result, partialRatio(joinSorted([...setA.values()]), joinSorted([...setB.values()])));
}

/** rapidfuzz fuzz.WRatio on already-processed code points, 0..100. */
export function wratio(s1: Seq, s2: Seq): number {
  if (s1.length === 0 || s2.length === 0) return 0;
  const len1 = s1.length;
  const len2 = s2.length;
  const lenRatio = len1 > len2 ? len1 / len2 : len2 / len1;
  let end = ratio(s1, s2);
  if (end === 100) return 100;
  const tokensA = splitTokens(s1);
  const tokensB = splitTokens(s2);
  const setA = uniqueTokens(tokensA);
  const setB = uniqueTokens(tokensB);
  if (lenRatio < 1.5) {
    const tokenSort = ratio(joinSorted(tokensA), joinSorted(tokensB));
    return Math.max(end, Math.max(tokenSetRatio(setA, setB), tokenSort) * UNBASE_SCALE);
  }
  const partialScale = lenRatio < 8 ? 0.9 : 0.6;
  end = Math.max(end, partialRatio(s1, s2) * partialScale);
  return Math.max(end, partialTokenRatio(tokensA, tokensB, setA, setB) * UNBASE_SCALE * partialScale);
}

export function fuzzyMatch(output: string, reference: string): number {
  return wratio(defaultProcess(output), defaultProcess(reference)) / 100;
}
