/**
 * The form's hyperparameter inputs and how their text becomes the API's request. The API validates every value with
 * core's schema and names the field it refuses; the form sends what was typed (a number when it reads as one), so the
 * server's message, not a second copy of its rules, is what the user sees next to the input.
 */

/** PEFT's projection names (core's LORA_TARGET_MODULES; the API refuses any other). */
export const LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"] as const;

export interface HyperField {
  key: string;
  label: string;
  /** What `auto` (an empty input) resolves to, as the CLI's help says. */
  auto: string;
  integer?: boolean;
}

/** Every training method. */
export const COMMON: HyperField[] = [
  { key: "n_epochs", label: "Epochs", auto: "the provider's rule (by dataset size)", integer: true },
  { key: "batch_size", label: "Batch size", auto: "by dataset size", integer: true },
  { key: "learning_rate_multiplier", label: "Learning-rate multiplier", auto: "1" },
];

/** Only one method each. */
export const SUPERVISED_ONLY: HyperField[] = [
  { key: "prompt_loss_weight", label: "Prompt loss weight (0–1)", auto: "0.1" },
  { key: "early_stopping_patience", label: "Early-stopping patience (with validation data)", auto: "3" },
];
export const DPO_ONLY: HyperField[] = [{ key: "beta", label: "DPO beta", auto: "0.1" }];
/**
 * Supervised on an open-weight base: no prompt loss weight (the engine refuses it there: a pretrained base trains on
 * the assistant tokens) and early stopping off unless asked.
 */
export const SUPERVISED_OPEN_WEIGHT: HyperField[] = [
  { key: "early_stopping_patience", label: "Early-stopping patience (with validation data)", auto: "off" },
];

/** The fields of a training method beside COMMON's, for a local-* model or an open-weight base. */
export function methodFields(method: "supervised" | "dpo", openWeight: boolean): HyperField[] {
  if (method === "dpo") return DPO_ONLY;
  return openWeight ? SUPERVISED_OPEN_WEIGHT : SUPERVISED_ONLY;
}

/** Open-weight bases (LoRA); `training_type` and the target modules have their own inputs. */
export const LORA: HyperField[] = [
  { key: "lora_rank", label: "LoRA rank r", auto: "16", integer: true },
  { key: "lora_alpha", label: "LoRA alpha", auto: "32" },
  { key: "lora_dropout", label: "LoRA dropout", auto: "0" },
  { key: "base_quantization", label: "Base quantization (none, q8_0: the base in 8 bits, or q4_0: in 4 bits)", auto: "none" },
];

/** An input's text as the API takes it: nothing (auto) when empty or `auto`, a number when it reads as one, else as typed. */
export function inputValue(text: string): number | string | undefined {
  const trimmed = text.trim();
  if (trimmed === "" || trimmed.toLowerCase() === "auto") return undefined;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : trimmed;
}

/** The request's hyperparameters: only the fields that apply and were set (the rest stay `auto`). */
export function requestedHyperparameters(
  values: Record<string, string>,
  options: { method: "supervised" | "dpo"; lora: boolean; trainingType: string; targets: string[] },
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const fields = [...COMMON, ...methodFields(options.method, options.lora)];
  const full = options.trainingType === "full";
  if (options.lora && !full) fields.push(...LORA);
  for (const field of fields) {
    const value = inputValue(values[field.key] ?? "");
    if (value !== undefined) out[field.key] = value;
  }
  if (options.lora) {
    if (options.trainingType === "lora" || full) out.training_type = options.trainingType;
    if (!full && options.targets.length > 0)
      out.lora_target_modules = options.targets.length === LORA_TARGETS.length ? "all-linear" : options.targets;
  }
  return out;
}
