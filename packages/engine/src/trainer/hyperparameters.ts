/**
 * `auto` hyperparameters. Small models trained from scratch need enough optimizer steps (measured:
 * tiny models need roughly 1,000–2,000 steps; accuracy lags the output format by hundreds of steps),
 * so the rules aim at a step budget rather than OpenAI's fixed 3 epochs:
 *
 * - batch_size: 8 below 2,000 examples, 16 below 10,000, else 32 (never more than the examples).
 * - n_epochs: enough epochs for TARGET_STEPS (1,500) optimizer steps, within [1, 50], and at most
 *   MAX_EXAMPLE_PASSES (100,000) examples seen in total (but at least one epoch).
 * - learning_rate_multiplier: 1 (the model size's base rate, see learning-rate.ts).
 * - prompt_loss_weight: 0.1. The base models start from random weights, so learning the language of
 *   the prompts (system, user and tool messages) beside the answers is what lets them generalise
 *   from a few hundred examples (measured on the ticket-routing example: 100% exact match on the
 *   test file after 800 steps with 0.1, 75% after 1,500 steps with 0). The reported loss and token
 *   accuracy stay over assistant tokens only.
 */
import type { Hyperparameters } from "./types.ts";

export const TARGET_STEPS = 1500;
export const MAX_EPOCHS = 50;
export const MAX_EXAMPLE_PASSES = 100_000;
export const AUTO_PROMPT_LOSS_WEIGHT = 0.1;

export type Auto<T> = T | "auto";

export interface RequestedHyperparameters {
  n_epochs?: Auto<number> | undefined;
  batch_size?: Auto<number> | undefined;
  learning_rate_multiplier?: Auto<number> | undefined;
  prompt_loss_weight?: Auto<number> | undefined;
  beta?: Auto<number> | undefined;
  training_type?: Auto<"lora" | "full"> | undefined;
  lora_rank?: Auto<number> | undefined;
  lora_alpha?: Auto<number> | undefined;
  lora_dropout?: Auto<number> | undefined;
  lora_target_modules?: Auto<string[] | "all-linear"> | undefined;
}

/** Resolved values, named as OpenAI's fine-tuning job object names them. */
export interface ResolvedHyperparameters {
  n_epochs: number;
  batch_size: number;
  learning_rate_multiplier: number;
  /** Absent in jobs resolved before it existed (they trained without a prompt loss). */
  prompt_loss_weight?: number;
  /** DPO's beta (method dpo only). */
  beta?: number;
  /** Open-weight bases: "lora" (adapters) or "full" (every weight). */
  training_type?: "lora" | "full";
  /** LoRA settings, for open-weight bases only. */
  lora_rank?: number;
  lora_alpha?: number;
  lora_dropout?: number;
  lora_target_modules?: string[];
}

export function resolveHyperparameters(nExamples: number, requested: RequestedHyperparameters = {}): ResolvedHyperparameters {
  const n = Math.max(1, Math.floor(nExamples));
  const batchSize =
    typeof requested.batch_size === "number"
      ? Math.max(1, Math.floor(requested.batch_size))
      : Math.min(n, n < 2000 ? 8 : n < 10_000 ? 16 : 32);
  const stepsPerEpoch = Math.ceil(n / batchSize);
  let nEpochs: number;
  if (typeof requested.n_epochs === "number") nEpochs = Math.max(1, Math.floor(requested.n_epochs));
  else {
    nEpochs = Math.min(MAX_EPOCHS, Math.ceil(TARGET_STEPS / stepsPerEpoch));
    nEpochs = Math.max(1, Math.min(nEpochs, Math.floor(MAX_EXAMPLE_PASSES / n)));
  }
  const learningRateMultiplier = typeof requested.learning_rate_multiplier === "number" ? requested.learning_rate_multiplier : 1;
  if (!(learningRateMultiplier > 0)) throw new Error("learning_rate_multiplier must be positive");
  const promptLossWeight = typeof requested.prompt_loss_weight === "number" ? requested.prompt_loss_weight : AUTO_PROMPT_LOSS_WEIGHT;
  if (!(promptLossWeight >= 0 && promptLossWeight <= 1)) throw new Error("prompt_loss_weight must be within [0, 1]");
  return {
    n_epochs: nEpochs,
    batch_size: batchSize,
    learning_rate_multiplier: learningRateMultiplier,
    prompt_loss_weight: promptLossWeight,
  };
}

/** The trainer's form of resolved hyperparameters (TrainRequest.hyperparameters). */
export function toTrainerHyperparameters(r: ResolvedHyperparameters): Hyperparameters {
  return {
    nEpochs: r.n_epochs,
    batchSize: r.batch_size,
    learningRateMultiplier: r.learning_rate_multiplier,
    ...(r.prompt_loss_weight !== undefined ? { promptLossWeight: r.prompt_loss_weight } : {}),
  };
}

/** Optimizer steps for a dataset and resolved hyperparameters. */
export function totalSteps(nExamples: number, hp: Hyperparameters): number {
  return hp.nEpochs * Math.ceil(Math.max(1, nExamples) / hp.batchSize);
}
