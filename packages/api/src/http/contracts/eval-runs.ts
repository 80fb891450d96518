import { z } from "@hono/zod-openapi";
import { EvalRun, ItemTrials, RunAggregates } from "@tunelab/core";
import { Grade } from "@tunelab/evals";
import { named } from "./named.ts";

/** Per grader and per tag: mean, pass rate and intervals (core's RunAggregates, stored once a run completes). */
export const Aggregates = named(RunAggregates, "RunAggregates");

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

const Trials = named(ItemTrials, "ItemTrials");
export const ItemTrialsList = z.object({ trials: z.number().int(), data: z.array(Trials) }).openapi("ItemTrialsList");
