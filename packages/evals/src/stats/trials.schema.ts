import { z } from "zod";

/** Per-item results over its trials (one grader). `variance` is the sample variance (n − 1), null below 2 trials. */
export const ItemTrialStats = z.object({
  trials: z.number().int(),
  passed: z.number().int(),
  passRate: z.number().nullable(),
  mean: z.number().nullable(),
  variance: z.number().nullable(),
});
export type ItemTrialStats = z.infer<typeof ItemTrialStats>;

/** What a summary says about trials: how many per item, how many items changed outcome between trials. */
export const TrialsSummary = z.object({
  /** Most trials of any item (the run's `trials`; errored trials are not counted). */
  perItem: z.number().int(),
  /** Items with at least one scored trial. */
  items: z.number().int(),
  /** Items that passed in some trials and failed in others. */
  flaky: z.number().int(),
  /** Mean over items of the within-item sample variance of the score (items with ≥ 2 trials). */
  withinVariance: z.number().nullable(),
  /** Sample variance of the item means. */
  betweenVariance: z.number().nullable(),
});
export type TrialsSummary = z.infer<typeof TrialsSummary>;
