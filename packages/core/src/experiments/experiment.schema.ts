import { z } from "zod";

export const EXPERIMENT_STATUSES = ["created", "uploading", "training", "evaluating", "completed", "failed", "cancelled"] as const;
export const ExperimentStatus = z.enum(EXPERIMENT_STATUSES);
export type ExperimentStatus = z.infer<typeof ExperimentStatus>;
export const FINISHED_EXPERIMENT: ReadonlySet<ExperimentStatus> = new Set(["completed", "failed", "cancelled"]);

const Auto = z.literal("auto");
/** Hyperparameters as the user asks for them: numbers or "auto" (resolved by the provider, stored once known). */
export const RequestedHyperparameters = z.strictObject({
  n_epochs: z.union([Auto, z.number().int().min(1).max(50)]).default("auto"),
  batch_size: z.union([Auto, z.number().int().min(1).max(256)]).default("auto"),
  learning_rate_multiplier: z.union([Auto, z.number().positive().max(100)]).default("auto"),
  /** The local engine's extension (loss weight of prompt tokens); sent only when set, as other hosts refuse it. */
  prompt_loss_weight: z.union([Auto, z.number().min(0).max(1)]).optional(),
});
export type RequestedHyperparameters = z.infer<typeof RequestedHyperparameters>;

/** `supervised` trains; `none` is a baseline (the base model as is). The shape stays open for `dpo`/`reinforcement`. */
export const ExperimentMethod = z.enum(["supervised", "none"]);
export type ExperimentMethod = z.infer<typeof ExperimentMethod>;

export const DEFAULT_SEED = 42;

export const CreateExperiment = z.strictObject({
  project: z.string(),
  /** `train@2`; required unless method is `none`. */
  dataset: z.string().optional(),
  validation: z.string().optional(),
  model: z.string().min(1),
  provider: z.string().default("local"),
  method: ExperimentMethod.default("supervised"),
  hyperparameters: RequestedHyperparameters.default({ n_epochs: "auto", batch_size: "auto", learning_rate_multiplier: "auto" }),
  seed: z.number().int().min(0).max(2_147_483_647).default(DEFAULT_SEED),
  suffix: z
    .string()
    .max(40)
    .regex(/^[a-zA-Z0-9_-]*$/)
    .optional(),
  name: z.string().max(120).optional(),
  notes: z.string().max(5_000).optional(),
  /** Create even when an identical experiment exists. */
  force: z.boolean().default(false),
});
export type CreateExperiment = z.input<typeof CreateExperiment>;

export const Experiment = z.object({
  id: z.string(),
  projectId: z.string(),
  name: z.string(),
  kind: z.enum(["tuned", "baseline"]),
  datasetVersionId: z.string().nullable(),
  validationVersionId: z.string().nullable(),
  baseModel: z.string(),
  provider: z.string(),
  method: ExperimentMethod,
  /** Requested (possibly "auto") and, once the provider resolved them, the numbers trained with. */
  hyperparameters: z.object({ requested: RequestedHyperparameters, resolved: z.record(z.string(), z.number()).nullable() }),
  seed: z.number(),
  suffix: z.string().nullable(),
  notes: z.string(),
  configHash: z.string(),
  status: ExperimentStatus,
  error: z.string().nullable(),
  providerFileId: z.string().nullable(),
  providerJobId: z.string().nullable(),
  tunedModel: z.string().nullable(),
  trainedTokens: z.number().nullable(),
  trainingSeconds: z.number().nullable(),
  testSplitVersionId: z.string().nullable(),
  graderSetId: z.string().nullable(),
  evalRunId: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type Experiment = z.infer<typeof Experiment>;
