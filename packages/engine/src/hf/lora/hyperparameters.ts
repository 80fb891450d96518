/**
 * `auto` hyperparameters for LoRA on pretrained open-weight models. A pretrained instruct model
 * already writes language; tuning teaches a task format and its labels, which takes a few passes
 * over the data, not a step budget (the from-scratch rule in trainer/hyperparameters.ts would train
 * a 135M model for 1,500 steps and overfit a small file). The rules:
 *
 * - n_epochs: OpenAI's documented default rule: 3, raised so that examples × epochs ≥ 100 and lowered
 *   so that it stays ≤ 25,000 (within [1, 25]).
 * - batch_size: 4 below 200 examples, 8 below 2,000, else 16 (CPU memory grows with batch × length).
 * - learning_rate_multiplier: 1, i.e. a peak rate of 2e-4 (LORA_BASE_LR), the rate PEFT/TRL
 *   recipes use for r 16 adapters.
 * - lora_rank 16, lora_alpha 32, lora_dropout 0, target modules: every linear projection.
 * - base_quantization: `q8_0` (8-bit Q8 blocks, about half of bf16's memory) when the base as stored would take more
 *   than half of the machine's memory, or when continuing an adapter trained on an 8-bit base; else `none`, the base
 *   as the checkpoint stores it (base-memory.ts; the caller passes the choice).
 * - training_type "full" (on request) trains every weight at a peak rate of 2e-5 (FULL_BASE_LR).
 * - early_stopping_patience: off unless asked (supervised, with a validation file): `auto` trains
 *   OpenAI's few epochs, where the from-scratch rule's 3 would rarely come into play.
 *
 * What was measured here: only tiny random-weight checkpoints can be trained on this machine (no
 * pretrained weights can be downloaded), where these settings drive the loss down and reproduce
 * training answers (hf/lora tests); the rule is not yet validated on real checkpoints.
 */
import type { RequestedHyperparameters, ResolvedHyperparameters } from "../../trainer/hyperparameters.ts";
import { LINEAR_PROJECTIONS } from "../tensor-names.ts";
import { DEFAULT_LORA } from "./settings.ts";

export const OPENAI_DEFAULT_EPOCHS = 3;
export const MIN_EXAMPLES_SEEN = 100;
export const MAX_EXAMPLES_SEEN = 25_000;

/** DPO's default beta (OpenAI's `auto`, and the DPO paper's usual value). */
export const DEFAULT_BETA = 0.1;

export function resolveLoraHyperparameters(
  nExamples: number,
  requested: RequestedHyperparameters = {},
  method: "supervised" | "dpo" = "supervised",
  /** What `auto` means for base_quantization (base-memory.ts's autoBaseQuantization); default `none`. */
  autoBaseQuantization: "none" | "q8_0" | "q4_0" = "none",
): ResolvedHyperparameters {
  const n = Math.max(1, Math.floor(nExamples));
  const batchSize = typeof requested.batch_size === "number" ? requested.batch_size : Math.min(n, n < 200 ? 4 : n < 2000 ? 8 : 16);
  let nEpochs = OPENAI_DEFAULT_EPOCHS;
  if (typeof requested.n_epochs === "number") nEpochs = requested.n_epochs;
  else if (n * nEpochs < MIN_EXAMPLES_SEEN) nEpochs = Math.min(25, Math.ceil(MIN_EXAMPLES_SEEN / n));
  else if (n * nEpochs > MAX_EXAMPLES_SEEN) nEpochs = Math.max(1, Math.floor(MAX_EXAMPLES_SEEN / n));
  const targets = requested.lora_target_modules;
  const patience =
    method === "supervised" && typeof requested.early_stopping_patience === "number"
      ? Math.max(0, Math.floor(requested.early_stopping_patience))
      : 0;
  const common = {
    n_epochs: nEpochs,
    batch_size: batchSize,
    learning_rate_multiplier: typeof requested.learning_rate_multiplier === "number" ? requested.learning_rate_multiplier : 1,
    ...(method === "dpo" ? { beta: typeof requested.beta === "number" ? requested.beta : DEFAULT_BETA } : {}),
    ...(patience > 0 ? { early_stopping_patience: patience } : {}),
  };
  if (requested.training_type === "full") return { ...common, training_type: "full" };
  return {
    ...common,
    training_type: "lora",
    lora_rank: typeof requested.lora_rank === "number" ? requested.lora_rank : DEFAULT_LORA.rank,
    lora_alpha: typeof requested.lora_alpha === "number" ? requested.lora_alpha : DEFAULT_LORA.alpha,
    lora_dropout: typeof requested.lora_dropout === "number" ? requested.lora_dropout : DEFAULT_LORA.dropout,
    lora_target_modules: Array.isArray(targets) ? [...targets] : [...LINEAR_PROJECTIONS],
    base_quantization:
      requested.base_quantization === undefined || requested.base_quantization === "auto"
        ? autoBaseQuantization
        : requested.base_quantization,
  };
}
