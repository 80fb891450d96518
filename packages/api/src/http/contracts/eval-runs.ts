import { z } from "@hono/zod-openapi";
import { SamplePage as CoreSamplePage, EvalRun, ItemTrials, RunAggregates, SampleView } from "@tunelab/core";
import { named } from "./named.ts";

/** Per grader and per tag: mean, pass rate and intervals (core's RunAggregates, stored once a run completes). */
export const Aggregates = named(RunAggregates, "RunAggregates");

/** Core's EvalRun, its aggregates described. */
export const EvalRunBody = named(EvalRun, "EvalRun", { aggregates: Aggregates.nullable() });

/** A page of a run's samples (core's SamplePage). */
export const Sample = named(SampleView, "Sample");
export const SamplePage = named(CoreSamplePage, "SamplePage", { data: z.array(Sample) });

const Trials = named(ItemTrials, "ItemTrials");
export const ItemTrialsList = z.object({ trials: z.number().int(), data: z.array(Trials) }).openapi("ItemTrialsList");
