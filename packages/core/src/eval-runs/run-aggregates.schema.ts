// Only the statistics (`@tunelab/evals/stats`): the finalize worker loads this module.
import { GraderSummary } from "@tunelab/evals/stats";
import { z } from "zod";

/** Per grader and per tag: mean, pass rate and intervals, stored once a run completes. */
export const RunAggregates = z.object({
  graders: z.record(z.string(), GraderSummary),
  byTag: z.record(z.string(), z.record(z.string(), GraderSummary)),
});
export type RunAggregates = z.infer<typeof RunAggregates>;
