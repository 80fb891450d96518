import { z } from "zod";
import { type BootstrapOptions, bootstrapMeans, mean, percentileInterval } from "./bootstrap.ts";
import { Interval } from "./interval.schema.ts";
import { changedPairs, signFlipFloor } from "./sign-flip-floor.ts";

export const PairedDelta = z.object({
  /** Number of pairs. */
  n: z.number().int(),
  /** Mean of `b[i] - a[i]`. */
  mean: z.number().nullable(),
  /** Seeded paired-bootstrap percentile interval of the mean difference. */
  ci: Interval.nullable(),
  /** Two-sided bootstrap p-value for H0: mean difference 0. */
  pValue: z.number().nullable(),
});
export type PairedDelta = z.infer<typeof PairedDelta>;

/**
 * Paired bootstrap of the mean difference `d = b - a` over pairs (resampling whole pairs). The interval is the
 * percentile interval of the resampled means. The p-value resamples the differences shifted to mean 0 (the null
 * hypothesis; Efron & Tibshirani 1993, §16.4) and is `(1 + #{|mean*| ≥ |mean(d)|}) / (B + 1)`, so never 0. The null
 * resamples are the interval's resamples: shifting the data by `-mean(d)` shifts every resample mean by exactly that,
 * so the null means are `mean* - mean(d)` and need no second set of draws.
 *
 * The p-value is never below `signFlipFloor(m)`, m the pairs that differ: with few pairs the shifted bootstrap claims
 * far more than the data hold (one item that changed gave p = 1/2001, and a build failed on it).
 */
export function pairedBootstrap(differences: readonly number[], options: BootstrapOptions = {}): PairedDelta {
  const n = differences.length;
  if (n === 0) return { n, mean: null, ci: null, pValue: null };
  const observed = mean(differences);
  const means = bootstrapMeans(differences, options);
  // A tolerance so floating-point noise around 0 (e.g. all differences equal) does not decide the count.
  const threshold = Math.abs(observed) - 1e-12;
  let extreme = 0;
  for (const value of means) if (Math.abs(value - observed) >= threshold) extreme++;
  return {
    n,
    mean: observed,
    ci: percentileInterval(means, options.confidence ?? 0.95),
    pValue: Math.max((1 + extreme) / (means.length + 1), signFlipFloor(changedPairs(differences))),
  };
}
