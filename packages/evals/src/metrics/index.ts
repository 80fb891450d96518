import { type BleuSmoothing, bleu } from "./bleu.ts";
import { fuzzyMatch } from "./fuzzy-match.ts";
import { gleu } from "./gleu.ts";
import { meteor } from "./meteor.ts";
import { rougeL, rougeN } from "./rouge.ts";

export { BLEU_SMOOTHINGS, type BleuSmoothing, BleuSmoothingError } from "./bleu.ts";
export { cosineSimilarity } from "./cosine.ts";

export const SIMILARITY_METRICS = [
  "fuzzy_match",
  "bleu",
  "gleu",
  "meteor",
  "cosine",
  "rouge_1",
  "rouge_2",
  "rouge_3",
  "rouge_4",
  "rouge_5",
  "rouge_l",
] as const;
export type SimilarityMetric = (typeof SIMILARITY_METRICS)[number];

/** Score `output` against `reference` with one of OpenAI's text_similarity metrics; result in [0, 1]. `options.smoothing` is BLEU's. */
export function textSimilarity(
  metric: Exclude<SimilarityMetric, "cosine">,
  output: string,
  reference: string,
  options: { smoothing?: BleuSmoothing } = {},
): number {
  switch (metric) {
    case "fuzzy_match":
      return fuzzyMatch(output, reference);
    case "bleu":
      return bleu(output, reference, options.smoothing);
    case "gleu":
      return gleu(output, reference);
    case "meteor":
      return meteor(output, reference);
    case "rouge_1":
      return rougeN(output, reference, 1);
    case "rouge_2":
      return rougeN(output, reference, 2);
    case "rouge_3":
      return rougeN(output, reference, 3);
    case "rouge_4":
      return rougeN(output, reference, 4);
    case "rouge_5":
      return rougeN(output, reference, 5);
    case "rouge_l":
      return rougeL(output, reference);
  }
}
