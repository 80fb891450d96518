import { z } from "zod";
import { RunAggregates } from "./run-aggregates.schema.ts";

export const EVAL_RUN_STATUSES = ["queued", "running", "completed", "failed", "cancelled"] as const;
export const EvalRunStatus = z.enum(EVAL_RUN_STATUSES);
export type EvalRunStatus = z.infer<typeof EvalRunStatus>;

export const Interval = z.object({ low: z.number(), high: z.number() });

/** One eval run: a model scored on one test split version with one grader set version. */
export const EvalRun = z.object({
  id: z.string(),
  projectId: z.string(),
  experimentId: z.string().nullable(),
  model: z.string(),
  provider: z.string(),
  testSplitVersionId: z.string(),
  graderSetId: z.string(),
  samplingParams: z.record(z.string(), z.unknown()),
  /**
   * What the run left out of `samplingParams` because the model refused it (OpenAI's reasoning models refuse
   * max_tokens and any temperature but 1), one sentence each; empty when it sampled as asked.
   */
  samplingNotes: z.array(z.string()),
  /** Completions per item; aggregates of a run with several trials are item-weighted with two-level intervals. */
  trials: z.number().int(),
  /**
   * How long each request of the run's model graders (score_model, label_model) may take, in seconds, and how many
   * requests one grade may make: as the run was started (default 60 s and 3), kept when it is resumed.
   */
  graderTimeoutSeconds: z.number(),
  graderAttempts: z.number().int(),
  status: EvalRunStatus,
  error: z.string().nullable(),
  resultCounts: z.object({ total: z.number(), passed: z.number(), failed: z.number(), errored: z.number() }),
  primary: z.object({ score: z.number().nullable(), interval: Interval.nullable() }),
  /** Per-grader summaries (mean, pass rate, intervals) and slices by tag, once completed. */
  aggregates: RunAggregates.nullable(),
  usage: z.unknown().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type EvalRun = z.infer<typeof EvalRun>;
