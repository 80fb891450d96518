import type { Interval } from "./interval.schema.ts";
import { groupValues, multinomialMeans } from "./multinomial-bootstrap.ts";
import { quantileSorted } from "./quantile.ts";
import { MAX_PLAN_CELLS, planMeans, resamplePlan } from "./resample-plan.ts";

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
 * Means of `resamples` bootstrap resamples (n items drawn with replacement), ascending. `shift` is added to every value
 * first (used to resample under a null hypothesis).
 * Up to MAX_PLAN_CELLS (n × resamples) the draws are the direct loop's (mulberry32 from the seed, resample by resample,
 * one index `floor(rng() * n)` per slot), taken from a cached resample plan (resample-plan.ts: the same draws, tallied
 * once per n and seed, so the graders of a comparison share them). Larger samples are resampled per distinct value
 * (multinomial-bootstrap.ts): the same distribution of resampled means, drawn as counts of the values many items
 * share, which costs a few binomials per resample where the direct loop costs n uniforms; a sample with no such value
 * gets exactly the direct loop's draws.
 */
export function bootstrapMeans(values: readonly number[], options: BootstrapOptions = {}, shift = 0): number[] {
  const n = values.length;
  const data = Float64Array.from(values, (v) => v ?? 0);
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const seed = options.seed ?? 0;
  const plan = resamplePlan(n, resamples, seed);
  if (plan) return Array.from(planMeans(plan, data, shift).sort());
  return Array.from(multinomialMeans(groupValues(data), resamples, seed, shift).sort());
}

/**
 * `bootstrapMeans` of several samples of one size at once (the graders of a run), each exactly the means a call of its
 * own gives. Past the plan limit, the samples with no value common enough to be drawn as a count (multinomial-
 * bootstrap.ts) are resampled by the direct loop, whose draws they share: one pass over the draws serves up to FUSED
 * of them. Below the limit the cached plan is shared anyway.
 */
export function bootstrapMeansMany(samples: readonly (readonly number[])[], options: BootstrapOptions = {}): number[][] {
  const k = samples.length;
  const n = samples[0]?.length ?? 0;
  if (samples.some((s) => s.length !== n)) throw new RangeError("bootstrapMeansMany needs samples of one size");
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  if (k <= 1 || n === 0 || n * resamples <= MAX_PLAN_CELLS) return samples.map((s) => bootstrapMeans(s, options));
  const seed = options.seed ?? 0;
  const sorted: number[][] = samples.map(() => []);
  const direct: { index: number; data: Float64Array }[] = [];
  for (const [index, sample] of samples.entries()) {
    const data = Float64Array.from(sample, (v) => v ?? 0);
    const groups = groupValues(data);
    if (groups.values.length === 0) direct.push({ index, data });
    else sorted[index] = Array.from(multinomialMeans(groups, resamples, seed).sort());
  }
  for (let from = 0; from < direct.length; from += FUSED) {
    const chunk = direct.slice(from, from + FUSED);
    const means = fusedMeans(
      chunk.map((c) => c.data),
      n,
      resamples,
      seed,
    );
    for (const [j, { index }] of chunk.entries()) sorted[index] = means[j] ?? [];
  }
  return sorted;
}

/** Samples summed per draw in one pass (four accumulators kept in registers). */
const FUSED = 4;

/** The direct loop's means of up to FUSED samples of `n` items, one draw serving all of them (sorted, per sample). */
function fusedMeans(samples: readonly Float64Array[], n: number, resamples: number, seed: number): number[][] {
  // item-major, padded to FUSED columns: the values of item i side by side, so one draw reads them together
  const data = new Float64Array(n * FUSED);
  for (const [g, sample] of samples.entries()) for (let i = 0; i < n; i++) data[i * FUSED + g] = sample[i] as number;
  const means = [0, 1, 2, 3].map(() => new Float64Array(resamples));
  const [m0, m1, m2, m3] = means as [Float64Array, Float64Array, Float64Array, Float64Array];
  let state = seed >>> 0;
  for (let r = 0; r < resamples; r++) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let i = 0; i < n; i++) {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      const base = Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n) * FUSED;
      s0 += data[base] as number;
      s1 += data[base + 1] as number;
      s2 += data[base + 2] as number;
      s3 += data[base + 3] as number;
    }
    m0[r] = s0 / n;
    m1[r] = s1 / n;
    m2[r] = s2 / n;
    m3[r] = s3 / n;
  }
  return means.slice(0, samples.length).map((m) => Array.from(m.sort()));
}

/**
 * `bootstrapMeanInterval` of each sample; samples of one size are resampled together (`bootstrapMeansMany`), each
 * interval exactly the one a call of its own gives.
 */
export function bootstrapMeanIntervals(samples: readonly (readonly number[])[], options: BootstrapOptions = {}): (Interval | null)[] {
  const intervals: (Interval | null)[] = samples.map(() => null);
  const bySize = new Map<number, number[]>();
  for (const [index, sample] of samples.entries()) {
    if (sample.length === 0) continue;
    bySize.set(sample.length, [...(bySize.get(sample.length) ?? []), index]);
  }
  for (const indexes of bySize.values()) {
    const means = bootstrapMeansMany(
      indexes.map((i) => samples[i] ?? []),
      options,
    );
    for (const [j, i] of indexes.entries()) intervals[i] = percentileInterval(means[j] ?? [], options.confidence ?? 0.95);
  }
  return intervals;
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
