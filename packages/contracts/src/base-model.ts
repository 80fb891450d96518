import { z } from "zod";
import { TRAINING_METHODS } from "./hyperparameters.ts";

/** A base model as tunelab shows it: a built-in local size (seeded random weights) or a registered open-weight checkpoint. */
export const BaseModelInfo = z.object({
  id: z.string(),
  kind: z.enum(["built-in", "open-weight"]),
  architecture: z.string(),
  parameters: z.number().int(),
  dtype: z.string(),
  contextLength: z.number().int(),
  /** Where an open-weight model came from (a directory or `hf:ORG/NAME@REVISION`); null for built-ins. */
  source: z.string().nullable(),
  /** The training methods the local engine runs on it. */
  methods: z.array(z.enum(TRAINING_METHODS)),
  /** Whether the LoRA hyperparameters apply (open-weight bases are tuned with LoRA). */
  lora: z.boolean(),
});
export type BaseModelInfo = z.infer<typeof BaseModelInfo>;

/**
 * The formats a tuned model exports as: a PEFT adapter (vLLM's LoRA loading), a merged Hugging Face checkpoint
 * (vLLM, transformers), one GGUF file (llama.cpp, Ollama, LM Studio) or a GGUF LoRA adapter (llama.cpp's `--lora`).
 */
export const EXPORT_FORMATS = ["peft", "merged", "gguf", "gguf-lora"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * The weight types each format writes, the default first: merged as safetensors F32/BF16/F16, GGUF as Q8_0, F16, F32
 * or llama.cpp's Q4_K_M mix (4-bit Q4_K, with Q6_K for the output and some attn_v and ffn_down matrices).
 */
export const EXPORT_DTYPES = {
  peft: [],
  merged: ["f32", "bf16", "f16"],
  gguf: ["q8_0", "f16", "f32", "q4_k_m"],
  "gguf-lora": [],
} as const satisfies Record<ExportFormat, readonly string[]>;
/** Every weight type some format writes. */
export const EXPORT_DTYPE_NAMES = ["f32", "bf16", "f16", "q8_0", "q4_k_m"] as const;
export type ExportDtype = (typeof EXPORT_DTYPE_NAMES)[number];

/** Why `dtype` does not apply to `format`, or undefined when it does. */
export function exportDtypeProblem(format: ExportFormat, dtype: ExportDtype | undefined): string | undefined {
  if (dtype === undefined) return undefined;
  const allowed: readonly string[] = EXPORT_DTYPES[format];
  if (allowed.includes(dtype)) return undefined;
  return allowed.length === 0
    ? `--dtype does not apply to ${format} exports (the adapter is written as trained)`
    : `dtype ${dtype} does not apply to ${format} exports; use one of ${allowed.join(", ")}`;
}

/** How core sees the engine's models. */
export interface OpenWeightCatalog {
  /** A registered open-weight base by name, with its `config.json`. */
  registered(id: string): Promise<(BaseModelInfo & { config: unknown }) | undefined>;
  /** The model a tuned model was trained from, when `id` names a tuned model. */
  parentOf(id: string): Promise<string | undefined>;
  /** The formats a tuned model exports as: a LoRA adapter every one, a fully tuned checkpoint merged and gguf, else none. */
  exportFormats(tunedModel: string): Promise<readonly ExportFormat[]>;
}
