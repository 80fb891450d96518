import { countIdNgrams, internPair } from "./ngrams.ts";
import { pySplit } from "./whitespace.ts";

/**
 * Google-BLEU as NLTK computes it: `nltk.translate.gleu_score.sentence_gleu([reference.split()], output.split())`
 * (min_len 1, max_len 4). All 1..4-grams are pooled: GLEU = matched n-grams / max(output n-grams, reference
 * n-grams), 0 when both sides have none. Tokenization: Python `str.split()`.
 */
const MIN_LEN = 1;
const MAX_LEN = 4;

export function gleuTokens(hyp: readonly string[], ref: readonly string[]): number {
  let tp = 0;
  let hypTotal = 0;
  let refTotal = 0;
  const pair = internPair(hyp, ref);
  for (let n = MIN_LEN; n <= MAX_LEN; n++) {
    hypTotal += Math.max(hyp.length - n + 1, 0);
    refTotal += Math.max(ref.length - n + 1, 0);
    if (hyp.length < n || ref.length < n) continue;
    const hypCounts = countIdNgrams(pair.a, n, pair.vocab);
    const refCounts = countIdNgrams(pair.b, n, pair.vocab);
    for (const [gram, c] of hypCounts) {
      const r = refCounts.get(gram);
      if (r !== undefined) tp += Math.min(c, r);
    }
  }
  const nAll = Math.max(hypTotal, refTotal);
  return nAll > 0 ? tp / nAll : 0;
}

export function gleu(output: string, reference: string): number {
  return gleuTokens(pySplit(output), pySplit(reference));
}
