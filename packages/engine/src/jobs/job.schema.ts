import { DpoHyperparameters, SupervisedHyperparameters } from "@tunelab/contracts";
import { z } from "zod";
import { Metadata } from "../http/metadata.schema.ts";

/** The hyperparameters of a job's method: declared once in `@tunelab/contracts` (OpenAI's, with tunelab's extensions). */
export { DpoHyperparameters, SupervisedHyperparameters };

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

/** An integration as OpenAI takes it: `{type: "wandb", wandb: {project, entity?, name?, tags?}}`. */
const Integration = z.strictObject({
  type: z.literal("wandb"),
  wandb: z.strictObject({
    project: z.string().min(1),
    entity: z.string().nullish(),
    name: z.string().nullish(),
    tags: z.array(z.string()).optional(),
  }),
});

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
  metadata: Metadata.nullish(),
  hyperparameters: SupervisedHyperparameters.nullish(),
  method: Method.nullish(),
  /** OpenAI's shape, checked; the route refuses any (the engine reports to no Weights & Biases project). */
  integrations: z.array(Integration).nullish(),
  /**
   * tunelab's extension: a checkpoint (`ft:…:ckpt-step-N`) of a job with the same base, training file, hyperparameters
   * and seed, e.g. one another machine's engine trained before its worker stopped: training continues from its step.
   */
  resume_from: z.string().startsWith("ft:", "a checkpoint's model id (ft:…:ckpt-step-N)").nullish(),
});
export type CreateJobRequest = z.infer<typeof CreateJobRequest>;

export const JOB_STATUSES = ["validating_files", "queued", "running", "pausing", "paused", "succeeded", "failed", "cancelled"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const FINISHED: ReadonlySet<JobStatus> = new Set(["succeeded", "failed", "cancelled"]);

/** The trainer's resolution of `auto` values (one definition, see trainer/hyperparameters.ts). */
export type { ResolvedHyperparameters } from "../trainer/hyperparameters.ts";

export interface JobError {
  code: string;
  message: string;
  param: string | null;
}
