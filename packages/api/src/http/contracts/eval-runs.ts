import { z } from "@hono/zod-openapi";
import { EvalRun, type ItemTrials, type RunAggregates } from "@tunelab/core";
import { Grade, GraderSummary, ItemTrialStats } from "@tunelab/evals";
import { named } from "./named.ts";
import type { Check, Same } from "./same.ts";

/** Per grader and per tag: mean, pass rate and intervals (core's RunAggregates, stored once a run completes). */
export const Aggregates = z
  .object({
    graders: z.record(z.string(), GraderSummary),
    byTag: z.record(z.string(), z.record(z.string(), GraderSummary)),
  })
  .openapi("RunAggregates");
export type AggregatesIsCore = Check<Same<z.infer<typeof Aggregates>, RunAggregates>>;

/** Core's EvalRun, its aggregates described. */
export const EvalRunBody = named(EvalRun, "EvalRun", { aggregates: Aggregates.nullable() });

export const SampleStatus = z.enum(["passed", "failed", "errored"]);
export const Sample = z
  .object({
    itemId: z.string(),
    /** Trial index (0-based) in a run with several trials per item. */
    trial: z.number().int(),
    /** 0-based position of the item in the test split. */
    position: z.number().int(),
    status: SampleStatus,
    output: z.string().nullable(),
    error: z.object({ type: z.string().optional(), message: z.string().optional() }).nullable(),
    grades: z.record(z.string(), Grade),
    tags: z.array(z.string()),
    /** The item's prompt (its last user message before the last assistant message) and reference, as text. */
    prompt: z.string(),
    reference: z.string().nullable(),
  })
  .openapi("Sample");
export const SamplePage = z
  .object({ total: z.number().int(), offset: z.number().int(), limit: z.number().int(), data: z.array(Sample) })
  .openapi("SamplePage");

const Trials = z
  .object({
    itemId: z.string(),
    tags: z.array(z.string()),
    /** Trials stored for the item (errored ones included). */
    trials: z.number().int(),
    /** Trials whose sampling or grading errored. */
    errored: z.number().int(),
    graders: z.record(z.string(), ItemTrialStats),
  })
  .openapi("ItemTrials");
export type TrialsIsCore = Check<Same<z.infer<typeof Trials>, ItemTrials>>;
export const ItemTrialsList = z.object({ trials: z.number().int(), data: z.array(Trials) }).openapi("ItemTrialsList");
