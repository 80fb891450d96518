import { z } from "zod";
import { Interval } from "./interval.schema.ts";
import { TrialsSummary } from "./trials.schema.ts";

/**
 * One grader over a set of items. Errored grades are counted in `errored` but excluded from `n`, `mean`,
 * `passRate` and the intervals: an errored grade says nothing about the model's quality, so it is neither a
 * pass nor a zero. `n = passed + failed`; `mean`, `passRate` and their intervals are `null` when `n` is 0.
 */
export const GraderSummary = z.object({
  n: z.number().int(),
  passed: z.number().int(),
  failed: z.number().int(),
  errored: z.number().int(),
  mean: z.number().nullable(),
  passRate: z.number().nullable(),
  ci: z.object({
    /** Seeded percentile bootstrap of the mean score. */
    mean: Interval.nullable(),
    /** Wilson score interval of the pass rate. */
    passRate: Interval.nullable(),
  }),
  /**
   * Present when items were sampled several times: then `n`, `passed`, `failed` and `errored` count trials, `mean`
   * and `passRate` are item-weighted (each item's trials averaged first), and both intervals are two-level bootstrap
   * intervals (items, then trials within items; see trials.ts) instead of the bootstrap and Wilson intervals.
   */
  trials: TrialsSummary.optional(),
});
export type GraderSummary = z.infer<typeof GraderSummary>;
