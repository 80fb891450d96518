import { z } from "zod";
import { LINEAR_PROJECTIONS } from "../hf/tensor-names.ts";

const Auto = z.literal("auto");
export const SupervisedHyperparameters = z.strictObject({
  n_epochs: z.union([Auto, z.number().int().min(1).max(50)]).optional(),
  batch_size: z.union([Auto, z.number().int().min(1).max(256)]).optional(),
  learning_rate_multiplier: z.union([Auto, z.number().positive().max(100)]).optional(),
  /** tunelab's extension (OpenAI's legacy fine-tunes API had it): loss weight of prompt tokens. */
  prompt_loss_weight: z.union([Auto, z.number().min(0).max(1)]).optional(),
  /** tunelab's extension: validations without improvement before training stops (0: off; auto: 3 with a validation file). */
  early_stopping_patience: z.union([Auto, z.number().int().min(0).max(1000)]).optional(),
  /** tunelab's extension for open-weight bases: LoRA adapters (auto) or every weight (small models only). */
  training_type: z.union([Auto, z.enum(["lora", "full"])]).optional(),
  /** tunelab's LoRA extensions, for open-weight bases (PEFT's r, lora_alpha, lora_dropout, target_modules). */
  lora_rank: z.union([Auto, z.number().int().min(1).max(512)]).optional(),
  lora_alpha: z.union([Auto, z.number().positive().max(4096)]).optional(),
  lora_dropout: z.union([Auto, z.number().min(0).max(0.9)]).optional(),
  lora_target_modules: z.union([Auto, z.literal("all-linear"), z.array(z.enum(LINEAR_PROJECTIONS)).min(1)]).optional(),
});
export type SupervisedHyperparameters = z.infer<typeof SupervisedHyperparameters>;

/** OpenAI's DPO hyperparameters (`beta`, default auto = 0.1) and the same extensions as supervised. */
export const DpoHyperparameters = SupervisedHyperparameters.omit({ prompt_loss_weight: true, early_stopping_patience: true }).extend({
  beta: z.union([Auto, z.number().positive().max(10)]).optional(),
});
export type DpoHyperparameters = z.infer<typeof DpoHyperparameters>;

export const Method = z.looseObject({
  type: z.enum(["supervised", "dpo", "reinforcement"]),
  supervised: z.looseObject({ hyperparameters: SupervisedHyperparameters.optional() }).optional(),
  dpo: z.looseObject({ hyperparameters: DpoHyperparameters.optional() }).optional(),
});

/** The hyperparameters a create request asked for, whatever the method. */
export function askedHyperparameters(request: CreateJobRequest): DpoHyperparameters & SupervisedHyperparameters {
  return (
    (request.method?.type === "dpo" ? request.method.dpo?.hyperparameters : request.method?.supervised?.hyperparameters) ??
    request.hyperparameters ??
    {}
  );
}

/** POST /v1/fine_tuning/jobs, as OpenAI accepts it. Unknown parameters are refused, as OpenAI does. */
export const CreateJobRequest = z.strictObject({
  model: z.string().min(1),
  training_file: z.string().min(1),
  validation_file: z.string().min(1).nullish(),
  suffix: z
    .string()
    .max(64)
    .regex(/^[a-zA-Z0-9_-]*$/, "use letters, digits, '-' and '_'")
    .nullish(),
  seed: z.number().int().min(0).max(2_147_483_647).nullish(),
  metadata: z.record(z.string().max(64), z.string().max(512)).nullish(),
  hyperparameters: SupervisedHyperparameters.nullish(),
  method: Method.nullish(),
  integrations: z.array(z.unknown()).nullish(),
});
export type CreateJobRequest = z.infer<typeof CreateJobRequest>;

export const JOB_STATUSES = ["validating_files", "queued", "running", "succeeded", "failed", "cancelled"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const FINISHED: ReadonlySet<JobStatus> = new Set(["succeeded", "failed", "cancelled"]);

/** The trainer's resolution of `auto` values (one definition, see trainer/hyperparameters.ts). */
export type { ResolvedHyperparameters } from "../trainer/hyperparameters.ts";

export interface JobError {
  code: string;
  message: string;
  param: string | null;
}
