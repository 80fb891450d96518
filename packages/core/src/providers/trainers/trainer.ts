import type { EarlyStop } from "../../experiments/early-stop.schema.ts";
import type { RequestedHyperparameters, ResolvedHyperparameters, TrainingMethod } from "../../experiments/hyperparameters.ts";

/**
 * The kinds of hosted training API tunelab drives. Inference is the same everywhere (the `openai` SDK against an
 * OpenAI-compatible chat endpoint); training differs, so each kind has one trainer adapter.
 * - `openai`: OpenAI's `/v1/fine_tuning/jobs` (OpenAI, the embedded engine, Nebius Token Factory and exact copies)
 * - `azure-openai`: OpenAI's shape plus `api-version`, deployments for inference
 * - `together`: `/v1/files/upload` and `/v1/fine-tunes`
 * - `fireworks`: datasets and fine-tuning job resources under `/v1/accounts/{account}`
 */
export const PROVIDER_KINDS = ["openai", "azure-openai", "together", "fireworks"] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

/** A job's status in one vocabulary, whatever the provider calls it (its own word is kept in `providerStatus`). */
export type TrainerJobStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled";
export const FINISHED_JOB: ReadonlySet<TrainerJobStatus> = new Set(["succeeded", "failed", "cancelled"]);

export interface TrainerJob {
  id: string;
  status: TrainerJobStatus;
  /** The provider's own status word (`validating_files`, `compressing`, `JOB_STATE_RUNNING`, …). */
  providerStatus: string;
  /** The id to send as `model` in chat completions once the job succeeded. */
  tunedModel: string | null;
  trainedTokens: number | null;
  /** Seconds since the epoch. */
  createdAt: number | null;
  finishedAt: number | null;
  error: string | null;
  /** The values the provider trained with, in tunelab's names where a mapping exists. */
  resolved: ResolvedHyperparameters | null;
}

/** One training step's numbers, as the experiment's loss series stores them. */
export interface TrainerMetrics {
  step: number;
  total_steps?: number;
  train_loss?: number;
  train_mean_token_accuracy?: number;
  valid_loss?: number;
  valid_mean_token_accuracy?: number;
}

/**
 * What a job said since the last look: its new training steps, its new warnings (messages at level `warn`), and, when
 * it has just said so, that it stopped early (the embedded engine's early stopping; no hosted provider reports one).
 */
export interface TrainerEvents {
  metrics: TrainerMetrics[];
  warnings: string[];
  earlyStop?: EarlyStop;
}

/** What an experiment asks a provider to train. */
export interface JobRequest {
  /** Stored on the job (metadata, or the suffix where a provider has no metadata) so the job can be found again. */
  experimentId: string;
  baseModel: string;
  trainingFile: string;
  validationFile: string | null;
  suffix: string | null;
  seed: number;
  method: TrainingMethod;
  hyperparameters: RequestedHyperparameters;
  /** The embedded engine only: a checkpoint (`ft:…:ckpt-step-N`) it has, of this experiment's job on another machine. */
  resumeFrom?: string;
}

/**
 * One hosted training API. Every call takes the experiment's signal so Ctrl-C stops it; transient failures (429
 * with Retry-After, 5xx) surface as errors carrying `status`. Uploads and job creations try a transient failure again
 * themselves (retryTransient, idempotently); callers own the retries of the other calls (job polling).
 */
export interface Trainer {
  readonly kind: ProviderKind;
  /** Uploads a JSONL training file; returns the provider's file id. */
  uploadFile(file: { name: string; content: Buffer }, signal: AbortSignal): Promise<string>;
  /** Whether an uploaded file still exists (another experiment's upload of the same content is reused). */
  fileExists(id: string, signal: AbortSignal): Promise<boolean>;
  createJob(request: JobRequest, signal: AbortSignal): Promise<string>;
  /** The job created for this experiment before the process died (its id never reached the database), if any. */
  findJob(experimentId: string, signal: AbortSignal): Promise<string | undefined>;
  getJob(id: string, signal: AbortSignal): Promise<TrainerJob>;
  /** Metrics and warnings not seen yet (`seen` holds the keys already returned; the adapter adds the new ones). */
  newEvents(id: string, seen: Set<string>, signal: AbortSignal): Promise<TrainerEvents>;
  cancelJob(id: string): Promise<void>;
}
