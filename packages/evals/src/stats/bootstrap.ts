import type { Interval } from "./interval.ts";
import { quantileSorted } from "./quantile.ts";
import { planMeans, resamplePlan } from "./resample-plan.ts";

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
 * Up to MAX_PLAN_CELLS (n × resamples) the draws come from a cached resample plan (resample-plan.ts: the same draws,
 * tallied once per n and seed, so the graders of a comparison share them); larger samples are resampled directly.
 */
export function bootstrapMeans(values: readonly number[], options: BootstrapOptions = {}, shift = 0): number[] {
  const n = values.length;
  const data = Float64Array.from(values, (v) => v ?? 0);
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const seed = options.seed ?? 0;
  const plan = resamplePlan(n, resamples, seed);
  if (plan) return Array.from(planMeans(plan, data, shift).sort());
  const means = new Float64Array(resamples);
  // mulberry32 inlined (same draws as prng.ts): this loop is the hot path of every interval and comparison
  let state = seed >>> 0;
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      sum += data[Math.floor(u * n)] as number;
    }
    means[r] = sum / n + shift;
  }
  return Array.from(means.sort());
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
