import { z } from "zod";

/**
 * Fine-tuning hyperparameters, declared once: OpenAI's (`n_epochs`, `batch_size`, `learning_rate_multiplier`, DPO's
 * `beta`) and the local engine's documented extensions (`prompt_loss_weight`, `early_stopping_patience`; LoRA's
 * `lora_rank`, `lora_alpha`, `lora_dropout`, `lora_target_modules` for open-weight bases, named as PEFT names them, and
 * `base_quantization`).
 * Core's experiments, the API's routes, sweeps and the CLI, and the engine's job requests all derive from these.
 */
export const Auto = z.literal("auto");

/** The methods that train. */
export const TRAINING_METHODS = ["supervised", "dpo"] as const;
export type TrainingMethod = (typeof TRAINING_METHODS)[number];

/** The linear projections of a Llama/Qwen/Mistral decoder layer a LoRA adapter can wrap (PEFT's module names). */
export const LORA_TARGET_MODULES = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"] as const;
export type LoraTargetModule = (typeof LORA_TARGET_MODULES)[number];

/** How a LoRA job holds its frozen base: as stored (`none`), in 8-bit Q8 blocks (`q8_0`) or 4-bit Q4 blocks (`q4_0`). */
export const BASE_QUANTIZATIONS = ["none", "q8_0", "q4_0"] as const;
export type BaseQuantization = (typeof BASE_QUANTIZATIONS)[number];

/**
 * PEFT's names of Phi-3's stacked modules, and the projections each holds: the engine adapts them apart, and its PEFT
 * export writes these modules (engine hf/lora/peft-stacked.ts).
 */
export const STACKED_LORA_TARGETS = {
  qkv_proj: ["q_proj", "k_proj", "v_proj"],
  gate_up_proj: ["gate_proj", "up_proj"],
} as const satisfies Record<string, readonly LoraTargetModule[]>;
export type StackedLoraTarget = keyof typeof STACKED_LORA_TARGETS;

/** Target module names with Phi-3's stacked ones read as the projections they hold, without repeats. */
export function expandLoraTargets(names: readonly (LoraTargetModule | StackedLoraTarget)[]): LoraTargetModule[] {
  const out: LoraTargetModule[] = [];
  for (const name of names) {
    const parts: readonly LoraTargetModule[] =
      name in STACKED_LORA_TARGETS ? STACKED_LORA_TARGETS[name as StackedLoraTarget] : [name as LoraTargetModule];
    for (const p of parts) if (!out.includes(p)) out.push(p);
  }
  return out;
}

/**
 * A list of projections, or PEFT's `all-linear` (every projection; also what `auto` means). A list may also name Phi-3's
 * `qkv_proj` and `gate_up_proj`, as a PEFT config for Phi-3 does; they are read as the projections they stack.
 */
export const LoraTargetModules = z.union([
  z.literal("all-linear"),
  z
    .array(z.enum([...LORA_TARGET_MODULES, ...(Object.keys(STACKED_LORA_TARGETS) as StackedLoraTarget[])]))
    .min(1)
    .transform(expandLoraTargets),
]);
export type LoraTargetModules = z.infer<typeof LoraTargetModules>;

/**
 * A number or "auto", the range checked before integrality, so that 1e308 is refused as "at most 50", not "at most
 * 9007199254740991". (A value of neither type keeps zod's "Invalid input": the web form words it for its fields.)
 */
function orAuto<T extends z.ZodNumber>(number: T) {
  return z.union([Auto, number]);
}

/** Every hyperparameter as a request may carry it: a value or "auto", each optional. */
export const HyperparameterFields = z.strictObject({
  n_epochs: orAuto(z.number().min(1).max(50).int()).optional(),
  batch_size: orAuto(z.number().min(1).max(256).int()).optional(),
  learning_rate_multiplier: orAuto(z.number().positive().max(100)).optional(),
  /** The local engine's extension (loss weight of prompt tokens; OpenAI's legacy fine-tunes API had it). Supervised only. */
  prompt_loss_weight: orAuto(z.number().min(0).max(1)).optional(),
  /**
   * The local engine's extension: with a validation file, stop after this many validations without improvement and keep
   * the best validation's weights (`auto` is 3; 0 turns it off). Supervised only.
   */
  early_stopping_patience: orAuto(z.number().min(0).max(1000).int()).optional(),
  /** DPO's beta (OpenAI's; `auto` is 0.1): how far the tuned model may move from the reference. DPO only. */
  beta: orAuto(z.number().positive().max(10)).optional(),
  /** Open-weight bases: a LoRA adapter (`lora`, what `auto` means) or every weight (`full`, small models only). */
  training_type: z.union([Auto, z.enum(["lora", "full"])]).optional(),
  /** LoRA rank r (local engine, open-weight bases; `auto` is 16). */
  lora_rank: orAuto(z.number().min(1).max(512).int()).optional(),
  /** LoRA alpha: the update is scaled by alpha / r (`auto` is 32). */
  lora_alpha: orAuto(z.number().positive().max(4096)).optional(),
  /** Dropout on the adapter's input during training (`auto` is 0). */
  lora_dropout: orAuto(z.number().min(0).max(0.9)).optional(),
  /** Which projections get an adapter (`auto` is every linear projection). */
  lora_target_modules: z.union([Auto, LoraTargetModules]).optional(),
  /**
   * How the frozen base is held while a LoRA adapter trains and serves: `none`, as the checkpoint stores it; `q8_0`,
   * every matrix in 8-bit blocks, about half of bf16's memory; `q4_0`, in 4-bit blocks, about a third (QLoRA's way).
   * `auto` is `none` unless the base would take more than half of the machine's memory (the engine's rule).
   */
  base_quantization: z.union([Auto, z.enum(BASE_QUANTIZATIONS)]).optional(),
});
export type HyperparameterFields = z.infer<typeof HyperparameterFields>;
export type HyperparameterName = keyof HyperparameterFields;

/** The hyperparameters that apply to one method only. */
export const METHOD_ONLY_HYPERPARAMETERS = {
  prompt_loss_weight: "supervised",
  early_stopping_patience: "supervised",
  beta: "dpo",
} as const satisfies Partial<Record<HyperparameterName, TrainingMethod>>;

/** A supervised job's hyperparameters (OpenAI's `method.supervised.hyperparameters`, with the extensions). */
export const SupervisedHyperparameters = HyperparameterFields.omit({ beta: true });
export type SupervisedHyperparameters = z.infer<typeof SupervisedHyperparameters>;

/** A DPO job's hyperparameters (OpenAI's `method.dpo.hyperparameters`: `beta`, and the same extensions but the supervised ones). */
export const DpoHyperparameters = HyperparameterFields.omit({ prompt_loss_weight: true, early_stopping_patience: true });
export type DpoHyperparameters = z.infer<typeof DpoHyperparameters>;
