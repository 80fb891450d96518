import { clippedMatches, type IdLists, internLists, internTexts } from "./ngrams.ts";

/**
 * BLEU as NLTK computes it for one reference:
 * `nltk.translate.bleu_score.sentence_bleu([reference.split()], output.split(), smoothing_function=...)`.
 *
 * - Tokenization: Python `str.split()` (whitespace only; case and punctuation are kept).
 * - Weights: NLTK's default uniform 4-gram weights (0.25, 0.25, 0.25, 0.25).
 * - Smoothing: `none` by default (NLTK's default, `SmoothingFunction().method0`). OpenAI's grader
 *   documentation lists `bleu` among `text_similarity`'s metrics and says nothing about smoothing, and its
 *   grader JSON has no field for it, so the default stays the library's: any n-gram order without a match
 *   contributes `sys.float_info.min`, so the score collapses to ~1e-77, and an output shorter than 4 tokens
 *   scores ~0 even when identical to the reference. `method1` … `method7` are Chen & Cherry's (2014)
 *   sentence-level smoothings as NLTK 3.8 implements them, with NLTK's defaults (epsilon 0.1, alpha 5, k 5).
 *   `method1` is the usual choice for short answers.
 * - No unigram match at all returns exactly 0 (before any smoothing); brevity penalty exp(1 - r/c) when the
 *   output is shorter. Orders whose smoothed precision is 0 are left out of the geometric mean, as in NLTK.
 */
export const BLEU_SMOOTHINGS = ["none", "method1", "method2", "method3", "method4", "method5", "method6", "method7"] as const;
export type BleuSmoothing = (typeof BLEU_SMOOTHINGS)[number];

const MAX_ORDER = 4;
const WEIGHT = 1 / MAX_ORDER;
const FLOAT_MIN = 2.2250738585072014e-308; // Python sys.float_info.min
const EPSILON = 0.1; // method1
const ALPHA = 5; // method6
const K = 5; // method4

/** Clipped n-gram matches and the hypothesis's n-gram count (at least 1): NLTK's modified_precision as a fraction. */
interface Precision {
  numerator: number;
  denominator: number;
}

/** Clipped matches by order (index n-1), filled by `clippedMatches`; up to 5-grams for method5. */
const matches = new Float64Array(MAX_ORDER + 1);

/** NLTK's modified_precision of order n from `matches`, for a hypothesis of `hypLen` tokens. */
function precisionOf(n: number, hypLen: number): Precision {
  return { numerator: matches[n - 1] as number, denominator: Math.max(1, hypLen - n + 1) };
}

/** Thrown where NLTK raises (method6 needs a non-zero trigram precision). */
export class BleuSmoothingError extends Error {}

function smooth(method: Exclude<BleuSmoothing, "none">, p: Precision[], hypLen: number): number[] {
  const value = (q: Precision) => q.numerator / q.denominator;
  switch (method) {
    case "method1": // add epsilon to the matches of orders without any
      return p.map((q) => (q.numerator === 0 ? (q.numerator + EPSILON) / q.denominator : value(q)));
    case "method2": // add 1 to numerator and denominator of every order but unigrams (Lin & Och 2004)
      return p.map((q, i) => (i === 0 ? value(q) : (q.numerator + 1) / (q.denominator + 1)));
    case "method3": {
      // NIST geometric sequence: the k-th order without matches gets 1 / 2^k matches
      let k = 1;
      return p.map((q) => (q.numerator === 0 ? 1 / (2 ** k++ * q.denominator) : value(q)));
    }
    case "method4":
      return method4(p, hypLen);
    case "method5":
      return method5(p.map(value), hypLen);
    case "method6": {
      if ((p[2] as Precision).numerator === 0) throw new BleuSmoothingError("BLEU method6 needs at least one matching trigram");
      const out = p.map(value);
      for (let i = 2; i < out.length; i++) {
        const prev2 = out[i - 2] as number;
        const pi0 = prev2 === 0 ? 0 : (out[i - 1] as number) ** 2 / prev2;
        const grams = Math.max(0, hypLen - i); // the hypothesis's (i+1)-grams
        out[i] = ((p[i] as Precision).numerator + ALPHA * pi0) / (grams + ALPHA);
      }
      return out;
    }
    case "method7":
      return method5(method4(p, hypLen), hypLen);
  }
}

/** Shorter outputs get smaller smoothed counts: the k-th order without matches gets ln(len) / (2^k · K) matches. */
function method4(p: Precision[], hypLen: number): number[] {
  let k = 1;
  return p.map((q) => {
    if (q.numerator === 0 && hypLen > 1) return 1 / ((2 ** k++ * K) / Math.log(hypLen)) / q.denominator;
    return q.numerator / q.denominator;
  });
}

/** Each order's precision averaged with its neighbours' (the order below already smoothed; 5-grams above the 4th). */
function method5(p: number[], hypLen: number): number[] {
  const five = precisionOf(MAX_ORDER + 1, hypLen);
  const next = [...p, five.numerator / five.denominator];
  const out: number[] = [];
  let below = (p[0] as number) + 1;
  for (let i = 0; i < p.length; i++) {
    below = (below + (p[i] as number) + (next[i + 1] as number)) / 3;
    out.push(below);
  }
  return out;
}

/** Σ weight · ln(p) over the orders whose smoothed precision p is positive. */
function logPrecisionSum(smoothing: BleuSmoothing, hypLen: number): number {
  let logSum = 0;
  if (smoothing === "none") {
    // method0 inline (the common case): no Precision objects or arrays
    for (let n = 1; n <= MAX_ORDER; n++) {
      const numerator = matches[n - 1] as number;
      const p = numerator === 0 ? FLOAT_MIN : numerator / Math.max(1, hypLen - n + 1);
      if (p > 0) logSum += WEIGHT * Math.log(p);
    }
    return logSum;
  }
  const precisions: Precision[] = [];
  for (let n = 1; n <= MAX_ORDER; n++) precisions.push(precisionOf(n, hypLen));
  for (const p of smooth(smoothing, precisions, hypLen)) if (p > 0) logSum += WEIGHT * Math.log(p);
  return logSum;
}

/** BLEU of the hypothesis ids `pair.a` against the reference ids `pair.b`. */
function bleuIds(pair: IdLists, smoothing: BleuSmoothing): number {
  const hypLen = pair.lenA;
  const refLen = pair.lenB;
  if (hypLen === 0) return 0;
  const orders = smoothing === "method5" || smoothing === "method7" ? MAX_ORDER + 1 : MAX_ORDER;
  clippedMatches(pair, orders, matches);
  if (matches[0] === 0) return 0;
  const logSum = logPrecisionSum(smoothing, hypLen);
  const bp = hypLen > refLen ? 1 : Math.exp(1 - refLen / hypLen);
  return bp * Math.exp(logSum);
}

export function bleuTokens(hyp: readonly string[], ref: readonly string[], smoothing: BleuSmoothing = "none"): number {
  if (hyp.length === 0) return 0;
  return bleuIds(internLists(hyp, ref), smoothing);
}

/** Tokens are interned straight from the texts (pySplit's tokens, without building them as strings). */
export function bleu(output: string, reference: string, smoothing: BleuSmoothing = "none"): number {
  return bleuIds(internTexts(output, reference, "non-whitespace"), smoothing);
}
