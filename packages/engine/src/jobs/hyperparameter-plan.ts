/**
 * The hyperparameters a job trains with: the scheduler resolves a job's with this when its files are validated, and
 * `tunelab exp create --dry-run` shows the same values before anything is uploaded (planJobHyperparameters), each with
 * where it comes from. The rules themselves are trainer/hyperparameters.ts (bases trained from seeded random weights)
 * and hf/lora/hyperparameters.ts (registered open-weight bases and models tuned from them).
 */
import { autoBaseQuantization, type BaseWeightBytes, baseMemoryWarning, baseWeightBytes } from "../hf/lora/base-memory.ts";
import { DEFAULT_BETA, resolveLoraHyperparameters } from "../hf/lora/hyperparameters.ts";
import { machineMemoryBytes } from "../hf/machine-memory.ts";
import type { QuantizedBaseWeights } from "../hf/model/weights.ts";
import type { EngineStore } from "../storage/store.ts";
import {
  AUTO_EARLY_STOPPING_PATIENCE,
  AUTO_PROMPT_LOSS_WEIGHT,
  autoBatchSize,
  estimateTokens,
  MIN_TOKEN_BUDGET,
  type RequestedHyperparameters,
  type ResolvedHyperparameters,
  resolveHyperparameters,
  STEP_TOKENS_PER_EXAMPLE,
  stepRuleEpochs,
  TARGET_STEPS,
  TOKENS_PER_PARAM,
  tokenRuleEpochs,
} from "../trainer/hyperparameters.ts";
import { baseParamCount, isBaseSize } from "../trainer/model/sizes.ts";
import type { ChatExample } from "../trainer/types.ts";
import { askedHyperparameters, CreateJobRequest } from "./job.schema.ts";
import { findTrainingBase, frozenBaseOf, type TrainingBase } from "./training-base.ts";
import type { TrainingMethod } from "./training-data.ts";

/** What a job's model trains from: a base's name (a `local-*` size or a registered id) and whether LoRA's rules apply. */
export interface PlanBase {
  baseName: string;
  openWeight: boolean;
  /** Open-weight bases: the bytes LoRA's frozen base takes (when the engine can read its files). */
  weights?: BaseWeightBytes | undefined;
  /** The adapter being continued was trained on the base held so. */
  continues?: QuantizedBaseWeights | undefined;
}

export interface PlanInput {
  /** Undefined for a model the engine does not have (the job then fails when it starts). */
  base: PlanBase | undefined;
  method: TrainingMethod;
  /** Examples in the training file (preference pairs for DPO). */
  count: number;
  /** The training file's chat examples (supervised only: the token rule reads their length). */
  training?: ReadonlyArray<Pick<ChatExample, "messages" | "tools">> | undefined;
  hasValidation: boolean;
  requested: RequestedHyperparameters;
  /** The memory `auto` plans for (default: this machine's, machine-memory.ts). */
  memoryBytes?: number | undefined;
}

export type PlannedKey = keyof ResolvedHyperparameters;

export interface HyperparameterPlan {
  hyperparameters: ResolvedHyperparameters;
  /** Where each value comes from: the request, or the `auto` rule that chose it. */
  from: Partial<Record<PlannedKey, string>>;
  /** What may go wrong with these settings on this machine (the base's memory), as the job's warning events say it. */
  warnings: string[];
}

const num = (n: number) => n.toLocaleString("en-US");

/**
 * The hyperparameters a job resolves to, as the scheduler stores them, and where each comes from. Pure, but for the
 * machine's memory when `memoryBytes` is not given.
 */
export function planHyperparameters(input: PlanInput): HyperparameterPlan {
  const { base, method, requested } = input;
  if (base?.openWeight) {
    const memoryBytes = input.memoryBytes ?? machineMemoryBytes();
    const quantization = autoBaseQuantization({ weights: base.weights, memoryBytes, continues: base.continues });
    const hyperparameters = resolveLoraHyperparameters(input.count, requested, method, quantization.value);
    const held = hyperparameters.training_type === "full" ? "full" : (hyperparameters.base_quantization ?? "none");
    const warning = base.weights ? baseMemoryWarning(base.weights, held, memoryBytes) : undefined;
    return {
      hyperparameters,
      from: explain(hyperparameters, requested, { ...loraRules(input.count), base_quantization: quantization.reason }),
      warnings: warning ? [warning] : [],
    };
  }
  const training = method === "dpo" ? undefined : input.training;
  const params = base && isBaseSize(base.baseName) ? baseParamCount(base.baseName) : undefined;
  const hyperparameters: ResolvedHyperparameters = {
    // `auto` budgets by steps and by tokens seen (model size × TOKENS_PER_PARAM), and stops
    // early on the validation file (supervised only); see trainer/hyperparameters.ts.
    ...resolveHyperparameters(input.count, requested, {
      ...(method === "dpo" ? {} : { training: training ?? [], hasValidation: input.hasValidation }),
      ...(params !== undefined ? { params } : {}),
    }),
    ...(method === "dpo" ? { beta: typeof requested.beta === "number" ? requested.beta : DEFAULT_BETA } : {}),
  };
  return {
    hyperparameters,
    from: explain(hyperparameters, requested, scratchRules(input, hyperparameters, training, params)),
    warnings: [],
  };
}

/** `request` where the value was asked for, else the rule's words. */
function explain(
  resolved: ResolvedHyperparameters,
  requested: RequestedHyperparameters,
  rules: Partial<Record<PlannedKey, string>>,
): Partial<Record<PlannedKey, string>> {
  const from: Partial<Record<PlannedKey, string>> = {};
  for (const key of Object.keys(resolved) as PlannedKey[]) {
    const asked = requested[key];
    from[key] = asked !== undefined && asked !== "auto" ? "requested" : `auto: ${rules[key] ?? "the engine's default"}`;
  }
  if (resolved.early_stopping_patience === undefined)
    from.early_stopping_patience =
      typeof requested.early_stopping_patience === "number" ? "requested (0: off)" : `auto: ${rules.early_stopping_patience}`;
  return from;
}

function scratchRules(
  input: PlanInput,
  resolved: ResolvedHyperparameters,
  training: PlanInput["training"],
  params: number | undefined,
): Partial<Record<PlannedKey, string>> {
  const n = Math.max(1, Math.floor(input.count));
  const size = n < 2000 ? 8 : n < 10_000 ? 16 : 32;
  const tokenRule = training !== undefined && training.length > 0 && params !== undefined;
  const perExample = tokenRule ? training.reduce((sum, e) => sum + estimateTokens(e), 0) / training.length : 0;
  const batch = resolved.batch_size;
  const byTokens = tokenRule && autoBatchSize(n, perExample) < Math.min(n, size);
  const stepEpochs = stepRuleEpochs(n, batch);
  const tokenEpochs = tokenRule && params !== undefined ? tokenRuleEpochs(perExample * n, params, n, batch) : undefined;
  const budget = params !== undefined ? Math.max(MIN_TOKEN_BUDGET, TOKENS_PER_PARAM * params) : 0;
  const stopping = input.method === "dpo" ? "off (DPO)" : input.hasValidation ? undefined : "off (no validation file)";
  return {
    batch_size: byTokens
      ? `${size} for ${num(n)} examples, lowered so a step sees about ${size} × ${STEP_TOKENS_PER_EXAMPLE} tokens (~${Math.round(perExample)} estimated tokens an example)`
      : `${n < 2000 ? "8 below 2,000" : n < 10_000 ? "16 below 10,000" : "32 from 10,000"} examples${n < size ? `, at most the ${n} examples` : ""}`,
    n_epochs:
      tokenEpochs !== undefined && tokenEpochs < stepEpochs
        ? `the token rule: ${num(budget)} training tokens for ${input.base?.baseName ?? "the model"} (~${num(Math.round(perExample * n))} an epoch), at least 300 steps`
        : `the step rule: ${num(TARGET_STEPS)} optimizer steps at ${Math.ceil(n / batch)} an epoch, within 1–50 epochs`,
    learning_rate_multiplier: "1 (the model size's base rate)",
    prompt_loss_weight: `${AUTO_PROMPT_LOSS_WEIGHT} (a base trained from random weights learns the prompts' language too)`,
    beta: `${DEFAULT_BETA}`,
    early_stopping_patience: stopping ?? `${AUTO_EARLY_STOPPING_PATIENCE} validations without improvement (a validation file is given)`,
  };
}

function loraRules(count: number): Partial<Record<PlannedKey, string>> {
  const n = Math.max(1, Math.floor(count));
  return {
    n_epochs: "OpenAI's rule: 3, raised so examples × epochs ≥ 100, lowered so it stays ≤ 25,000",
    batch_size: `${n < 200 ? "4 below 200" : n < 2000 ? "8 below 2,000" : "16 from 2,000"} examples${n < (n < 200 ? 4 : n < 2000 ? 8 : 16) ? `, at most the ${n} examples` : ""}`,
    learning_rate_multiplier: "1 (a peak rate of 2e-4 for LoRA, 2e-5 for full training)",
    beta: `${DEFAULT_BETA}`,
    training_type: "lora",
    lora_rank: "PEFT's usual r 16",
    lora_alpha: "32 (2 × r)",
    lora_dropout: "0",
    lora_target_modules: "every linear projection",
    early_stopping_patience: "off unless asked (open-weight bases train a few epochs)",
  };
}

/**
 * What a model trains from (`findTrainingBase`, as the scheduler finds it), without re-checking a registered base's
 * files; for an open-weight base, the bytes of its frozen weights (read from their safetensors headers).
 */
export async function findPlanBase(store: EngineStore, model: string): Promise<PlanBase | undefined> {
  return planBaseOf(store, await findTrainingBase(store, model));
}

/** The plan's view of a base found by `findTrainingBase`. */
export async function planBaseOf(store: EngineStore, base: TrainingBase | undefined): Promise<PlanBase | undefined> {
  if (!base) return undefined;
  const frozen = base.openWeight ? await frozenBaseOf(store, base) : undefined;
  let weights: BaseWeightBytes | undefined;
  try {
    weights = frozen ? baseWeightBytes(frozen.files) : undefined;
  } catch {
    // a base whose files changed or went missing fails when its job starts, with the file named (check-unchanged.ts)
    weights = undefined;
  }
  return { baseName: base.baseName, openWeight: base.openWeight, weights, continues: frozen?.continues };
}

/**
 * The hyperparameters a job created with `request` (POST /v1/fine_tuning/jobs's body, file ids aside) would train with,
 * given its training file's lines (parsed) and whether it has a validation file: for a dry run, nothing is created.
 */
export async function planJobHyperparameters(
  store: EngineStore,
  input: { request: unknown; training: ReadonlyArray<unknown>; hasValidation: boolean; memoryBytes?: number | undefined },
): Promise<HyperparameterPlan> {
  const request = CreateJobRequest.parse(input.request);
  const method: TrainingMethod = request.method?.type === "dpo" ? "dpo" : "supervised";
  return planHyperparameters({
    base: await findPlanBase(store, request.model),
    method,
    count: input.training.length,
    ...(method === "dpo" ? {} : { training: input.training as ChatExample[] }),
    hasValidation: input.hasValidation,
    requested: askedHyperparameters(request),
    memoryBytes: input.memoryBytes,
  });
}
