import type { Interval } from "./interval.ts";
import { mulberry32 } from "./prng.ts";
import { quantileSorted } from "./quantile.ts";

export interface BootstrapOptions {
  /** Number of resamples (default 2,000). */
  resamples?: number;
  /** PRNG seed (default 0): the same seed and data always give the same interval. */
  seed?: number;
  /** Confidence level (default 0.95). */
  confidence?: number;
}

export const DEFAULT_RESAMPLES = 2_000;

export function mean(values: readonly number[]): number {
  let sum = 0;
  for (const value of values) sum += value;
  return values.length === 0 ? Number.NaN : sum / values.length;
}

/**
 * Means of `resamples` bootstrap resamples (drawn with replacement, index `floor(rng() * n)`), ascending.
 * `shift` is added to every value first (used to resample under a null hypothesis).
 */
export function bootstrapMeans(values: readonly number[], options: BootstrapOptions = {}, shift = 0): number[] {
  const n = values.length;
  const random = mulberry32(options.seed ?? 0);
  const means = new Array<number>(options.resamples ?? DEFAULT_RESAMPLES);
  for (let r = 0; r < means.length; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[Math.floor(random() * n)] ?? 0;
    means[r] = sum / n + shift;
  }
  return means.sort((a, b) => a - b);
}

/** The percentile interval of sorted bootstrap statistics. */
export function percentileInterval(sortedStatistics: readonly number[], confidence = 0.95): Interval {
  const alpha = (1 - confidence) / 2;
  return { low: quantileSorted(sortedStatistics, alpha), high: quantileSorted(sortedStatistics, 1 - alpha) };
}

/**
 * Seeded percentile-bootstrap interval for the mean of `values` (95%, 2,000 resamples by default).
 * Returns `null` for an empty sample.
 */
export function bootstrapMeanInterval(values: readonly number[], options: BootstrapOptions = {}): Interval | null {
  if (values.length === 0) return null;
  return percentileInterval(bootstrapMeans(values, options), options.confidence ?? 0.95);
}
