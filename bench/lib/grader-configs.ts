// The grader configs the grader benchmarks use, as users write them (OpenAI's grader JSON).
import { type GraderConfig, parseGraderConfig } from "../../packages/evals/src/index.ts";

const OUTPUT = "{{sample.output_text}}";
const REFERENCE = "{{item.reference}}";

/** Part a: the four graders the issue names. */
export const THROUGHPUT_GRADERS: GraderConfig[] = [
  { type: "string_check", name: "string_check_eq", input: OUTPUT, reference: REFERENCE, operation: "eq" },
  {
    type: "text_similarity",
    name: "fuzzy_match",
    input: OUTPUT,
    reference: REFERENCE,
    evaluation_metric: "fuzzy_match",
    pass_threshold: 0.8,
  },
  { type: "text_similarity", name: "rouge_l", input: OUTPUT, reference: REFERENCE, evaluation_metric: "rouge_l", pass_threshold: 0.8 },
  { type: "text_similarity", name: "bleu", input: OUTPUT, reference: REFERENCE, evaluation_metric: "bleu", pass_threshold: 0.5 },
].map((json) => parseGraderConfig(json));

/** Part b: promptfoo's four deterministic assertions (equals, rouge-n, levenshtein, bleu) as tunelab graders. */
export const PROMPTFOO_EQUIVALENT_GRADERS: GraderConfig[] = [
  { type: "string_check", name: "equals", input: OUTPUT, reference: REFERENCE, operation: "eq" },
  { type: "text_similarity", name: "rouge_1", input: OUTPUT, reference: REFERENCE, evaluation_metric: "rouge_1", pass_threshold: 0.75 },
  { type: "text_similarity", name: "fuzzy", input: OUTPUT, reference: REFERENCE, evaluation_metric: "fuzzy_match", pass_threshold: 0.8 },
  { type: "text_similarity", name: "bleu", input: OUTPUT, reference: REFERENCE, evaluation_metric: "bleu", pass_threshold: 0.5 },
].map((json) => parseGraderConfig(json));
