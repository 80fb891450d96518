import { z } from "zod";
import { DatasetRef } from "../datasets/dataset.schema.ts";
import { EvalSettings } from "../eval-runs/eval-settings.ts";
import { MAX_MODEL_NAME } from "../providers/model-name.ts";
import { EarlyStop } from "./early-stop.schema.ts";
import { RequestedHyperparameters, ResolvedHyperparameters, TRAINING_METHODS } from "./hyperparameters.ts";

export const EXPERIMENT_STATUSES = ["created", "uploading", "training", "evaluating", "completed", "failed", "cancelled"] as const;
export const ExperimentStatus = z.enum(EXPERIMENT_STATUSES);
export type ExperimentStatus = z.infer<typeof ExperimentStatus>;
export const FINISHED_EXPERIMENT: ReadonlySet<ExperimentStatus> = new Set(["completed", "failed", "cancelled"]);

/** `supervised` and `dpo` train; `none` is a baseline (the base model as is). The shape stays open for `reinforcement`. */
export const ExperimentMethod = z.enum([...TRAINING_METHODS, "none"]);
export type ExperimentMethod = z.infer<typeof ExperimentMethod>;

export const DEFAULT_SEED = 42;

export const CreateExperiment = z.strictObject({
  project: z.string(),
  /** `train@2`; required unless method is `none`. DPO needs a preference-format version (OpenAI's DPO JSONL). */
  dataset: DatasetRef.optional(),
  validation: DatasetRef.optional(),
  model: z.string().min(1).max(MAX_MODEL_NAME),
  provider: z.string().min(1).max(MAX_MODEL_NAME).default("local"),
  method: ExperimentMethod.default("supervised"),
  hyperparameters: RequestedHyperparameters.default({ n_epochs: "auto", batch_size: "auto", learning_rate_multiplier: "auto" }),
  // the range before integrality: 1e300 is refused as over 2147483647, the seed's real limit
  seed: z.number().min(0).max(2_147_483_647).int().default(DEFAULT_SEED),
  suffix: z
    .string()
    .max(40)
    .regex(/^[a-zA-Z0-9_-]*$/)
    .optional(),
  /** Leave it out for the default (`train@2 local-small ep=3`); a blank name would leave the experiment nameless in lists. */
  name: z.string().trim().min(1, "expected a name of 1 to 120 characters, or leave it out for the default name").max(120).optional(),
  notes: z.string().max(5_000).optional(),
  /** How the tuned (or base) model is scored: trials per item, temperature, reasoning effort (part of the experiment's identity when set), and its model graders' request deadline and attempts (not part of it). */
  evaluation: EvalSettings.optional(),
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
  hyperparameters: z.object({ requested: RequestedHyperparameters, resolved: ResolvedHyperparameters.nullable() }),
  seed: z.number(),
  evaluation: EvalSettings,
  suffix: z.string().nullable(),
  notes: z.string(),
  configHash: z.string(),
  status: ExperimentStatus,
  error: z.string().nullable(),
  /** What the provider's job warned about while training (e.g. examples longer than the model's context), in order. */
  warnings: z.array(z.string()),
  /** Where the job stopped early and the step whose weights the tuned model keeps; null when it ran every step. */
  earlyStop: EarlyStop.nullable(),
  providerFileId: z.string().nullable(),
  providerJobId: z.string().nullable(),
  tunedModel: z.string().nullable(),
  trainedTokens: z.number().nullable(),
  trainingSeconds: z.number().nullable(),
  testSplitVersionId: z.string().nullable(),
  graderSetId: z.string().nullable(),
  evalRunId: z.string().nullable(),
  createdAt: z.string(),
  /** Who created it (a user's name, `TUNELAB_TOKEN`, or the OS user of a CLI command); null if not recorded. */
  createdBy: z.string().nullable(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type Experiment = z.infer<typeof Experiment>;
