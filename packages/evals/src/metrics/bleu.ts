import { countNgrams, pySplit } from "./whitespace.ts";

/**
 * BLEU as NLTK computes it for one reference:
 * `nltk.translate.bleu_score.sentence_bleu([reference.split()], output.split())`.
 *
 * - Tokenization: Python `str.split()` (whitespace only; case and punctuation are kept).
 * - Weights: NLTK's default uniform 4-gram weights (0.25, 0.25, 0.25, 0.25).
 * - Smoothing: none (NLTK's default, `SmoothingFunction().method0`). OpenAI does not document a smoothing
 *   function, so the library default is used. Consequences users know from NLTK: any n-gram order without a
 *   match contributes `sys.float_info.min`, so the score collapses to ~1e-77 (effectively 0); in particular an
 *   output with fewer than 4 tokens scores ~0 even when identical to the reference.
 * - No unigram match at all returns exactly 0; brevity penalty exp(1 - r/c) when the output is shorter.
 */
const MAX_ORDER = 4;
const WEIGHT = 1 / MAX_ORDER;
const FLOAT_MIN = 2.2250738585072014e-308; // Python sys.float_info.min

export function bleuTokens(hyp: readonly string[], ref: readonly string[]): number {
  const hypLen = hyp.length;
  if (hypLen === 0) return 0;
  let logSum = 0;
  for (let n = 1; n <= MAX_ORDER; n++) {
    let numerator = 0;
    let total = 0;
    if (hypLen >= n) {
      const hypCounts = countNgrams(hyp, n);
      const refCounts = countNgrams(ref, n);
      for (const [gram, c] of hypCounts) {
        total += c;
        const r = refCounts.get(gram);
        if (r !== undefined) numerator += Math.min(c, r);
      }
    }
    if (n === 1 && numerator === 0) return 0;
    const p = numerator === 0 ? FLOAT_MIN : numerator / Math.max(1, total);
    logSum += WEIGHT * Math.log(p);
  }
  const refLen = ref.length;
  const bp = hypLen > refLen ? 1 : Math.exp(1 - refLen / hypLen);
  return bp * Math.exp(logSum);
}

export function bleu(output: string, reference: string): number {
  return bleuTokens(pySplit(output), pySplit(reference));
}
