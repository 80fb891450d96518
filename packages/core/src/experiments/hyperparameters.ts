import { z } from "zod";
import { TunelabError } from "../errors.ts";

/**
 * Hyperparameters of an experiment: OpenAI's (`n_epochs`, `batch_size`, `learning_rate_multiplier`, DPO's `beta`) and
 * the local engine's documented extensions (`prompt_loss_weight`, `early_stopping_patience`; LoRA's `lora_rank`, `lora_alpha`, `lora_dropout`,
 * `lora_target_modules` for open-weight bases, named as PEFT names them). This is the one declaration: the API's
 * routes, sweeps and the CLI derive from it.
 */
const Auto = z.literal("auto");

/** The linear projections of a Llama/Qwen/Mistral decoder layer a LoRA adapter can wrap (PEFT's module names). */
export const LORA_TARGET_MODULES = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"] as const;
export type LoraTargetModule = (typeof LORA_TARGET_MODULES)[number];

/** A list of projections, or PEFT's `all-linear` (every projection; also what `auto` means). */
export const LoraTargetModules = z.union([z.literal("all-linear"), z.array(z.enum(LORA_TARGET_MODULES)).min(1)]);
export type LoraTargetModules = z.infer<typeof LoraTargetModules>;

/** Hyperparameters as the user asks for them: numbers or "auto" (resolved by the provider, stored once known). */
export const RequestedHyperparameters = z.strictObject({
  n_epochs: z.union([Auto, z.number().int().min(1).max(50)]).default("auto"),
  batch_size: z.union([Auto, z.number().int().min(1).max(256)]).default("auto"),
  learning_rate_multiplier: z.union([Auto, z.number().positive().max(100)]).default("auto"),
  /** The local engine's extension (loss weight of prompt tokens); sent only when set, as other hosts refuse it. */
  prompt_loss_weight: z.union([Auto, z.number().min(0).max(1)]).optional(),
  /**
   * The local engine's extension: with a validation file, stop after this many validations without improvement and keep
   * the best validation's weights (`auto` is 3; 0 turns it off). Supervised only.
   */
  early_stopping_patience: z.union([Auto, z.number().int().min(0).max(1000)]).optional(),
  /** DPO's beta (OpenAI's; `auto` is 0.1): how far the tuned model may move from the reference. DPO only. */
  beta: z.union([Auto, z.number().positive().max(10)]).optional(),
  /** Open-weight bases: a LoRA adapter (`lora`, what `auto` means) or every weight (`full`, small models only). */
  training_type: z.union([Auto, z.enum(["lora", "full"])]).optional(),
  /** LoRA rank r (local engine, open-weight bases; `auto` is 16). */
  lora_rank: z.union([Auto, z.number().int().min(1).max(512)]).optional(),
  /** LoRA alpha: the update is scaled by alpha / r (`auto` is 32). */
  lora_alpha: z.union([Auto, z.number().positive().max(4096)]).optional(),
  /** Dropout on the adapter's input during training (`auto` is 0). */
  lora_dropout: z.union([Auto, z.number().min(0).max(0.9)]).optional(),
  /** Which projections get an adapter (`auto` is every linear projection). */
  lora_target_modules: z.union([Auto, LoraTargetModules]).optional(),
});
export type RequestedHyperparameters = z.infer<typeof RequestedHyperparameters>;
export type HyperparameterName = keyof RequestedHyperparameters;

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
] as const satisfies ReadonlyArray<HyperparameterName>;

export const LORA_HYPERPARAMETERS = [
  "lora_rank",
  "lora_alpha",
  "lora_dropout",
  "lora_target_modules",
] as const satisfies ReadonlyArray<HyperparameterName>;

/** The methods that train, and the hyperparameters that apply to only one of them. */
export const TRAINING_METHODS = ["supervised", "dpo"] as const;
export type TrainingMethod = (typeof TRAINING_METHODS)[number];
const ONLY_FOR: Partial<Record<HyperparameterName, TrainingMethod>> = {
  prompt_loss_weight: "supervised",
  early_stopping_patience: "supervised",
  beta: "dpo",
};

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

/** Parses `q_proj,v_proj`, `all-linear` or `auto` as the command line and query strings write target modules. */
export function parseLoraTargets(text: string): "auto" | LoraTargetModules {
  const trimmed = text.trim();
  if (trimmed === "auto" || trimmed === "all-linear") return trimmed;
  const parts = trimmed.split(",").map((p) => p.trim());
  const unknown = parts.filter((p) => !(LORA_TARGET_MODULES as readonly string[]).includes(p));
  if (unknown.length > 0 || parts.length === 0)
    throw new TunelabError(
      "invalid_argument",
      `unknown target module${unknown.length === 1 ? "" : "s"} ${unknown.map((u) => `"${u}"`).join(", ") || '""'}; use all-linear or a comma list of ${LORA_TARGET_MODULES.join(", ")}`,
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
  };
  const parts: string[] = [];
  for (const [key, label] of Object.entries(LABEL)) {
    const v = h[key];
    if (v === undefined || v === "auto") continue;
    parts.push(`${label}=${Array.isArray(v) ? v.map((m) => String(m).replace(/_proj$/, "")).join(",") : String(v)}`);
  }
  return parts.join(" ");
}
