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

/** The formats a tuned model exports as: a PEFT adapter (vLLM's LoRA loading) or a merged checkpoint (llama.cpp, vLLM). */
export const EXPORT_FORMATS = ["peft", "merged"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** How core sees the engine's models. */
export interface OpenWeightCatalog {
  /** A registered open-weight base by name, with its `config.json`. */
  registered(id: string): Promise<(BaseModelInfo & { config: unknown }) | undefined>;
  /** The model a tuned model was trained from, when `id` names a tuned model. */
  parentOf(id: string): Promise<string | undefined>;
  /** The formats a tuned model exports as: a LoRA adapter both, a fully tuned checkpoint merged only, else none. */
  exportFormats(tunedModel: string): Promise<readonly ExportFormat[]>;
}
