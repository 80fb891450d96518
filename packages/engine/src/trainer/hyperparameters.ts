/**
 * `auto` hyperparameters. Small models trained from scratch need enough optimizer steps (measured:
 * tiny models need roughly 1,000–2,000 steps; accuracy lags the output format by hundreds of steps),
 * but on long examples a step costs far more, and the same number of steps wastes time. The rule
 * ("tokens", the default) therefore budgets by steps AND by tokens seen:
 *
 * - batch_size: 8 below 2,000 examples, 16 below 10,000, else 32 (never more than the examples); the
 *   token rule keeps a step within that size × STEP_TOKENS_PER_EXAMPLE (128) estimated tokens, so long
 *   examples get a smaller batch (long-tickets: 2) and more updates from the same tokens.
 * - n_epochs: the fewest of
 *   - the step rule: enough epochs for TARGET_STEPS (1,500) optimizer steps, within [1, 50], and at
 *     most MAX_EXAMPLE_PASSES (100,000) examples seen in total (but at least one epoch);
 *   - the token rule: enough epochs to see TOKENS_PER_PARAM (1.5) × the model's parameter count in
 *     training tokens (prompt and answer text, estimated as JSON characters / 4 before the tokenizer
 *     exists; image spans are left out, see estimateTokens), at least MIN_TOKEN_BUDGET (1.5M) tokens, and at least MIN_TOKEN_RULE_STEPS (300)
 *     optimizer steps. local-tiny and local-small get 1.5M tokens, local-base 8.3M.
 *   Short examples (ticket routing: ~115 estimated tokens, 480 examples) keep the step rule's 25
 *   epochs × batch 8; long ones (long-tickets: ~409, 224 examples) train 14 epochs × batch 2 (the
 *   step rule at batch 2) instead of 50 × batch 8. The same rule holds for every local-* size.
 * - early_stopping_patience (tunelab's extension): with a validation file, 3: training stops when
 *   the validation loss has not improved (by 0.5% and by 0.0002 nats a token) and the validation token accuracy has not risen
 *   for 3 validations in a row, counting only the 20 evenly spaced validations (not those at
 *   checkpoints) and only from 30% of the planned steps on (the
 *   answer's format is learnt before its content, with a validation plateau in between: the digits
 *   example stopped at step 200 with 0.10 before), and the tuned model keeps the weights of the best
 *   validation (see train/early-stopping.ts). 0 (off) without a validation file or with "0".
 * - learning_rate_multiplier: 1 (the model size's base rate, see learning-rate.ts).
 * - prompt_loss_weight: 0.1. The base models start from random weights, so learning the language of
 *   the prompts (system, user and tool messages) beside the answers is what lets them generalise
 *   from a few hundred examples (measured on the ticket-routing example: 100% exact match on the
 *   test file after 800 steps with 0.1, 75% after 1,500 steps with 0). The reported loss and token
 *   accuracy stay over assistant tokens only.
 *
 * The previous rule (steps alone, no early stopping) stays available as rule "steps" for the
 * benchmark's side-by-side comparison (bench/trainer.ts).
 */
import type { Hyperparameters } from "./types.ts";
import { isImageUrlPart } from "./vision/parts.ts";

export const TARGET_STEPS = 1500;
export const MAX_EPOCHS = 50;
export const MAX_EXAMPLE_PASSES = 100_000;
export const AUTO_PROMPT_LOSS_WEIGHT = 0.1;
export const TOKENS_PER_PARAM = 1.5;
export const MIN_TOKEN_RULE_STEPS = 300;
/** The token budget's floor (local-small's 1.5 × ~1M): smaller models still see this many tokens. */
export const MIN_TOKEN_BUDGET = 1_500_000;
/** Characters per token of the estimate (the local tokenizers measured 4.3–4.9 on the examples). */
export const CHARS_PER_TOKEN = 4;
export const AUTO_EARLY_STOPPING_PATIENCE = 3;
/**
 * A step of the token rule sees at most batch × this many estimated tokens: longer examples get a
 * smaller batch (ticket routing's ~115 tokens keep 8; long-tickets' ~409 get 2).
 */
export const STEP_TOKENS_PER_EXAMPLE = 128;

/** "tokens": the current rule (steps and tokens seen, early stopping); "steps": the rule before it. */
export type AutoRule = "tokens" | "steps";

/** What the token rule needs besides the example count. */
export interface AutoContext {
  rule?: AutoRule;
  /** The training examples (their length is estimated from their characters). */
  training?: ReadonlyArray<{ messages: ReadonlyArray<unknown>; tools?: unknown }>;
  /** The base model's parameter count. */
  params?: number;
  /** A validation file was given (early stopping then defaults on). */
  hasValidation?: boolean;
}

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
  base_quantization?: Auto<"none" | "q8_0" | "q4_0"> | undefined;
  early_stopping_patience?: Auto<number> | undefined;
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
  /** LoRA: the frozen base as stored ("none"), in 8-bit Q8 ("q8_0") or 4-bit Q4 blocks ("q4_0"). Absent in older jobs (as stored). */
  base_quantization?: "none" | "q8_0" | "q4_0";
  /** Validations without improvement before training stops (0: off). Absent in older jobs. */
  early_stopping_patience?: number;
}

/**
 * An image part counts for nothing (its span serializes as `""`): the span's tokens (vision/spec.ts: 16 + 2,
 * 64 + 2 at detail high) are one placeholder token repeated, whose prediction teaches nothing, so the
 * token budget (what the model learns to predict) leaves them out. Counting them gave the digits example
 * (~58 text tokens and an 18-token image an example) 7 epochs, short of 90%; without them it keeps the
 * step rule's 8 (90.7% measured).
 */
const withoutImages = (_key: string, value: unknown): unknown => (isImageUrlPart(value) ? "" : value);

/** Estimated text tokens of one example (prompt and answer, images left out): its JSON characters / CHARS_PER_TOKEN. */
export function estimateTokens(example: { messages: ReadonlyArray<unknown>; tools?: unknown }): number {
  const chars = JSON.stringify(example.messages, withoutImages).length + (example.tools ? JSON.stringify(example.tools).length : 0);
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

/** Epochs of the step rule (the previous `auto`). */
export function stepRuleEpochs(n: number, batchSize: number): number {
  const stepsPerEpoch = Math.ceil(n / batchSize);
  const epochs = Math.min(MAX_EPOCHS, Math.ceil(TARGET_STEPS / stepsPerEpoch));
  return Math.max(1, Math.min(epochs, Math.floor(MAX_EXAMPLE_PASSES / n)));
}

/**
 * Epochs of the token rule: TOKENS_PER_PARAM × params tokens seen (at least MIN_TOKEN_BUDGET), and
 * at least MIN_TOKEN_RULE_STEPS optimizer steps.
 */
export function tokenRuleEpochs(tokensPerEpoch: number, params: number, n: number, batchSize: number): number {
  const budget = Math.max(MIN_TOKEN_BUDGET, TOKENS_PER_PARAM * params);
  const byTokens = Math.ceil(budget / Math.max(1, tokensPerEpoch));
  const byMinSteps = Math.ceil(MIN_TOKEN_RULE_STEPS / Math.ceil(n / batchSize));
  return Math.max(1, byTokens, byMinSteps);
}

/**
 * The batch size: 8 below 2,000 examples, 16 below 10,000, else 32, at most the examples. The token rule
 * (given the examples' mean estimated tokens) also keeps a step within size × STEP_TOKENS_PER_EXAMPLE
 * tokens: long examples make more, smaller updates from the same tokens (long-tickets, local-small:
 * batch 2 met 95% after 2 epochs on two seeds, batch 8 after 4).
 */
export function autoBatchSize(n: number, tokensPerExample?: number): number {
  const size = n < 2000 ? 8 : n < 10_000 ? 16 : 32;
  const byTokens =
    tokensPerExample !== undefined && tokensPerExample > 0 ? Math.floor((size * STEP_TOKENS_PER_EXAMPLE) / tokensPerExample) : size;
  return Math.max(1, Math.min(n, size, byTokens));
}

export function resolveHyperparameters(
  nExamples: number,
  requested: RequestedHyperparameters = {},
  context: AutoContext = {},
): ResolvedHyperparameters {
  const n = Math.max(1, Math.floor(nExamples));
  const rule = context.rule ?? "tokens";
  const tokenRule = rule === "tokens" && context.training !== undefined && context.training.length > 0 && context.params !== undefined;
  const perExample =
    tokenRule && context.training ? context.training.reduce((sum, e) => sum + estimateTokens(e), 0) / context.training.length : 0;
  const batchSize =
    typeof requested.batch_size === "number"
      ? Math.max(1, Math.floor(requested.batch_size))
      : autoBatchSize(n, tokenRule ? perExample : undefined);
  let nEpochs: number;
  if (typeof requested.n_epochs === "number") nEpochs = Math.max(1, Math.floor(requested.n_epochs));
  else {
    nEpochs = stepRuleEpochs(n, batchSize);
    if (tokenRule && context.params) nEpochs = Math.min(nEpochs, tokenRuleEpochs(perExample * n, context.params, n, batchSize));
  }
  const learningRateMultiplier = typeof requested.learning_rate_multiplier === "number" ? requested.learning_rate_multiplier : 1;
  if (!(learningRateMultiplier > 0)) throw new Error("learning_rate_multiplier must be positive");
  const promptLossWeight = typeof requested.prompt_loss_weight === "number" ? requested.prompt_loss_weight : AUTO_PROMPT_LOSS_WEIGHT;
  if (!(promptLossWeight >= 0 && promptLossWeight <= 1)) throw new Error("prompt_loss_weight must be within [0, 1]");
  const patience =
    typeof requested.early_stopping_patience === "number"
      ? Math.max(0, Math.floor(requested.early_stopping_patience))
      : rule === "tokens" && context.hasValidation
        ? AUTO_EARLY_STOPPING_PATIENCE
        : 0;
  return {
    n_epochs: nEpochs,
    batch_size: batchSize,
    learning_rate_multiplier: learningRateMultiplier,
    prompt_loss_weight: promptLossWeight,
    ...(patience > 0 ? { early_stopping_patience: patience } : {}),
  };
}

/** The trainer's form of resolved hyperparameters (TrainRequest.hyperparameters). */
export function toTrainerHyperparameters(r: ResolvedHyperparameters): Hyperparameters {
  return {
    nEpochs: r.n_epochs,
    batchSize: r.batch_size,
    learningRateMultiplier: r.learning_rate_multiplier,
    ...(r.prompt_loss_weight !== undefined ? { promptLossWeight: r.prompt_loss_weight } : {}),
    ...(r.early_stopping_patience ? { earlyStoppingPatience: r.early_stopping_patience } : {}),
  };
}

/** Optimizer steps for a dataset and resolved hyperparameters. */
export function totalSteps(nExamples: number, hp: Hyperparameters): number {
  return hp.nEpochs * Math.ceil(Math.max(1, nExamples) / hp.batchSize);
}
