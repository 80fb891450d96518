import type { HyperparameterFields } from "./hyperparameters.ts";

/**
 * What the embedded engine trains a model as: a pretrained open-weight checkpoint (LoRA or full, loss on the assistant
 * tokens) or a built-in `local-*` size trained from scratch (every weight, prompt tokens weighted).
 */
export type LocalModelKind = "open-weight" | "from-scratch";

/** The hyperparameters that apply to open-weight bases only (PEFT's LoRA settings and the training type). */
export const OPEN_WEIGHT_ONLY_HYPERPARAMETERS = [
  "training_type",
  "lora_rank",
  "lora_alpha",
  "lora_dropout",
  "lora_target_modules",
  "base_quantization",
] as const;

/** A hyperparameter a model of this kind does not take: the field (`hyperparameters.NAME`) and why. */
export interface ModelKindProblem {
  param: `hyperparameters.${string}`;
  message: string;
}

/**
 * Why a hyperparameter that is set (not `auto`) does not apply to `model`, trained as `kind`; undefined when all apply.
 * The engine answers it with a 400 at job creation; core refuses it before an experiment is stored.
 */
export function modelKindProblem(model: string, kind: LocalModelKind, asked: HyperparameterFields): ModelKindProblem | undefined {
  if (kind === "from-scratch") {
    for (const key of OPEN_WEIGHT_ONLY_HYPERPARAMETERS)
      if (asked[key] !== undefined && asked[key] !== "auto")
        return {
          param: `hyperparameters.${key}`,
          message: `${key} applies to open-weight base models (LoRA); ${model} is trained in full.`,
        };
    return undefined;
  }
  // a pretrained base already writes language: its loss is on the assistant tokens alone (the engine's hf/lora/loop.ts)
  if (typeof asked.prompt_loss_weight === "number")
    return {
      param: "hyperparameters.prompt_loss_weight",
      message: `prompt_loss_weight applies to the local-* models trained from scratch; ${model} is a pretrained open-weight model, trained on the assistant tokens only.`,
    };
  if (asked.training_type === "full" && (asked.base_quantization === "q8_0" || asked.base_quantization === "q4_0"))
    return {
      param: "hyperparameters.base_quantization",
      message: `base_quantization ${asked.base_quantization} holds a frozen base in ${asked.base_quantization === "q8_0" ? 8 : 4} bits for LoRA; with training_type full every weight trains in float32.`,
    };
  return undefined;
}
