import { TunelabError } from "@tunelab/base";
import {
  HyperparameterFields,
  type HyperparameterName,
  LORA_TARGET_MODULES,
  type LoraTargetModule,
  type LoraTargetModules,
  METHOD_ONLY_HYPERPARAMETERS,
  STACKED_LORA_TARGETS,
  type StackedLoraTarget,
  type TrainingMethod,
} from "@tunelab/contracts";
import { z } from "zod";

export {
  Auto,
  type HyperparameterName,
  LORA_TARGET_MODULES,
  type LoraTargetModule,
  LoraTargetModules,
  TRAINING_METHODS,
  type TrainingMethod,
} from "@tunelab/contracts";

const fields = HyperparameterFields.shape;

/**
 * Hyperparameters as the user asks for them: numbers or "auto" (resolved by the provider, stored once known). OpenAI's
 * three are always there ("auto" when not given); the extensions only when set. Derived from the one declaration in
 * `@tunelab/contracts`.
 */
export const RequestedHyperparameters = HyperparameterFields.extend({
  n_epochs: fields.n_epochs.unwrap().default("auto"),
  batch_size: fields.batch_size.unwrap().default("auto"),
  learning_rate_multiplier: fields.learning_rate_multiplier.unwrap().default("auto"),
});
export type RequestedHyperparameters = z.infer<typeof RequestedHyperparameters>;

/** The engine's and OpenAI's resolution of `auto`: numbers, the training type, and the target modules as a list. */
export const ResolvedHyperparameters = z.record(z.string(), z.union([z.number(), z.string(), z.array(z.string())]));
export type ResolvedHyperparameters = z.infer<typeof ResolvedHyperparameters>;

/** The keys that exist only as extensions: left out of requests unless set (hosted providers refuse unknown keys). */
export const EXTENSION_HYPERPARAMETERS = [
  "prompt_loss_weight",
  "early_stopping_patience",
  "beta",
  "training_type",
  "lora_rank",
  "lora_alpha",
  "lora_dropout",
  "lora_target_modules",
  "base_quantization",
] as const satisfies ReadonlyArray<HyperparameterName>;

export const LORA_HYPERPARAMETERS = [
  "lora_rank",
  "lora_alpha",
  "lora_dropout",
  "lora_target_modules",
  "base_quantization",
] as const satisfies ReadonlyArray<HyperparameterName>;

const ONLY_FOR: Partial<Record<HyperparameterName, TrainingMethod>> = METHOD_ONLY_HYPERPARAMETERS;

/** Why a hyperparameter does not apply to a method or to the training type (undefined when every key applies). */
export function inapplicableHyperparameter(method: TrainingMethod, h: RequestedHyperparameters): string | undefined {
  for (const [key, only] of Object.entries(ONLY_FOR)) {
    if (only !== method && h[key as HyperparameterName] !== undefined)
      return `hyperparameters.${key}: ${key} applies to method ${only} only, not ${method}`;
  }
  if (h.training_type === "full") {
    if (method === "dpo") return "hyperparameters.training_type: DPO trains LoRA adapters; training_type full is for method supervised";
    const lora = LORA_HYPERPARAMETERS.find((key) => h[key] !== undefined && h[key] !== "auto");
    if (lora) return `hyperparameters.${lora}: LoRA settings do not apply with training_type full (every weight trains)`;
  }
  return undefined;
}

/**
 * One spelling per configuration, so equal setups hash equally: target modules in canonical order without repeats, and
 * every projection listed is `all-linear`.
 */
export function normalizeHyperparameters(h: RequestedHyperparameters): RequestedHyperparameters {
  const targets = h.lora_target_modules;
  if (!Array.isArray(targets)) return h;
  const chosen = LORA_TARGET_MODULES.filter((m) => targets.includes(m));
  return { ...h, lora_target_modules: chosen.length === LORA_TARGET_MODULES.length ? "all-linear" : chosen };
}

/**
 * Parses `q_proj,v_proj`, `all-linear` or `auto` as the command line and query strings write target modules; Phi-3's
 * PEFT names `qkv_proj` and `gate_up_proj` stand for the projections they stack.
 */
export function parseLoraTargets(text: string): "auto" | LoraTargetModules {
  const trimmed = text.trim();
  if (trimmed === "auto" || trimmed === "all-linear") return trimmed;
  const parts = [
    ...new Set(trimmed.split(",").flatMap((p): readonly string[] => STACKED_LORA_TARGETS[p.trim() as StackedLoraTarget] ?? [p.trim()])),
  ];
  const unknown = parts.filter((p) => !(LORA_TARGET_MODULES as readonly string[]).includes(p));
  if (unknown.length > 0 || parts.length === 0)
    throw new TunelabError(
      "invalid_argument",
      `unknown target module${unknown.length === 1 ? "" : "s"} ${unknown.map((u) => `"${u}"`).join(", ") || '""'}; use all-linear or a comma list of ${LORA_TARGET_MODULES.join(", ")} (or Phi-3's qkv_proj, gate_up_proj)`,
    );
  return parts as LoraTargetModule[];
}

/** A short label for a hyperparameter (names and lists). */
export function shortHyperparameters(h: Record<string, unknown>): string {
  const LABEL: Record<string, string> = {
    n_epochs: "ep",
    learning_rate_multiplier: "lr",
    batch_size: "bs",
    prompt_loss_weight: "plw",
    beta: "beta",
    lora_rank: "r",
    lora_alpha: "alpha",
    lora_dropout: "dropout",
    lora_target_modules: "targets",
    training_type: "type",
    base_quantization: "base",
  };
  const parts: string[] = [];
  for (const [key, label] of Object.entries(LABEL)) {
    const v = h[key];
    if (v === undefined || v === "auto") continue;
    parts.push(`${label}=${Array.isArray(v) ? v.map((m) => String(m).replace(/_proj$/, "")).join(",") : String(v)}`);
  }
  return parts.join(" ");
}
