import { type BootstrapOptions, DEFAULT_RESAMPLES, mean, percentileInterval } from "./bootstrap.ts";
import type { Interval } from "./interval.schema.ts";
import type { PairedDelta } from "./paired.ts";
import { mulberry32 } from "./prng.ts";
import { signFlipPValue } from "./sign-flip.ts";
import type { ItemTrialStats, TrialsSummary } from "./trials.schema.ts";

/**
 * Repeated trials: each item sampled several times. Two sources of variance then shape an aggregate: which items
 * the test split happens to hold (item variance) and what the model happens to answer on each try (trial variance).
 *
 * Every figure here is item-weighted: an item's trials are averaged first, then items are averaged, so an item
 * with an errored trial (fewer scored trials) weighs as much as any other.
 *
 * Intervals use a two-level (two-stage) bootstrap: resample items with replacement, then, inside each drawn item,
 * resample its trials with replacement (Davison & Hinkley 1997, §3.8, "two-stage sampling"). Conditional on the data,
 * the variance of the resampled mean is
 *
 *     Var* = [ (1/n)·Σᵢ (ȳᵢ − ȳ)²  +  (1/n)·Σᵢ (1/kᵢ²)·Σⱼ (yᵢⱼ − ȳᵢ)² ] / n
 *
 * — the spread of item means plus the within-item (trial) spread, so an interval widens with trial variance even
 * when the item means are unchanged. (It is slightly conservative: the spread of item means already contains the
 * trial variance once, divided by k; Davison & Hinkley note the same.) `trials_reference.py` beside this file checks
 * the draws and this variance formula independently.
 */

export function itemTrialStats(scores: readonly number[], passed: number): ItemTrialStats {
  const trials = scores.length;
  if (trials === 0) return { trials, passed, passRate: null, mean: null, variance: null };
  const m = mean(scores);
  let ss = 0;
  for (const s of scores) ss += (s - m) ** 2;
  return { trials, passed, passRate: passed / trials, mean: m, variance: trials < 2 ? null : ss / (trials - 1) };
}

/** Mean of item means: the statistic every trials figure resamples. */
export function meanOfItemMeans(groups: readonly (readonly number[])[]): number {
  let sum = 0;
  for (const g of groups) sum += mean(g);
  return groups.length === 0 ? Number.NaN : sum / groups.length;
}

/**
 * Means of `resamples` two-level bootstrap resamples, ascending. Draw order (fixed, the Python reference replays it):
 * per resample, per slot j < n: item i = floor(u·n), then kᵢ trial indices floor(u·kᵢ). Every group must be
 * non-empty. `shift` is added to every statistic (resampling under a null hypothesis).
 */
export function twoLevelBootstrapMeans(groups: readonly (readonly number[])[], options: BootstrapOptions = {}, shift = 0): number[] {
  const n = groups.length;
  const data = groups.map((g) => Float64Array.from(g));
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const random = mulberry32(options.seed ?? 0);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const g = data[Math.floor(random() * n)] as Float64Array;
      const k = g.length;
      let s = 0;
      for (let l = 0; l < k; l++) s += g[Math.floor(random() * k)] as number;
      sum += s / k;
    }
    means[r] = sum / n + shift;
  }
  return Array.from(means.sort());
}

/** Two-level percentile interval of the mean of item means; null when there is no item. */
export function twoLevelMeanInterval(groups: readonly (readonly number[])[], options: BootstrapOptions = {}): Interval | null {
  const nonEmpty = groups.filter((g) => g.length > 0);
  if (nonEmpty.length === 0) return null;
  return percentileInterval(twoLevelBootstrapMeans(nonEmpty, options), options.confidence ?? 0.95);
}

/** Conditional variance of the two-level resampled mean (the formula above); what the bootstrap estimates. */
export function twoLevelBootstrapVariance(groups: readonly (readonly number[])[]): number {
  const n = groups.length;
  const itemMeans = groups.map((g) => mean(g));
  const grand = mean(itemMeans);
  let between = 0;
  let within = 0;
  groups.forEach((g, i) => {
    between += ((itemMeans[i] as number) - grand) ** 2;
    let ss = 0;
    for (const y of g) ss += (y - (itemMeans[i] as number)) ** 2;
    within += ss / (g.length * g.length);
  });
  return (between / n + within / n) / n;
}

/** One item of a paired comparison with trials: the scored trials of run A and of run B. */
export interface TrialPair {
  a: readonly number[];
  b: readonly number[];
}

/** Resampled mean differences: per slot, item i = floor(u·n), then A's kᴬᵢ trial draws, then B's kᴮᵢ. Ascending. */
function pairedTwoLevelMeans(pairs: readonly TrialPair[], options: BootstrapOptions, shift: number): number[] {
  const n = pairs.length;
  const a = pairs.map((p) => Float64Array.from(p.a));
  const b = pairs.map((p) => Float64Array.from(p.b));
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const random = mulberry32(options.seed ?? 0);
  const resampleMean = (g: Float64Array): number => {
    const k = g.length;
    let s = 0;
    for (let l = 0; l < k; l++) s += g[Math.floor(random() * k)] as number;
    return s / k;
  };
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const i = Math.floor(random() * n);
      const ma = resampleMean(a[i] as Float64Array);
      sum += resampleMean(b[i] as Float64Array) - ma;
    }
    means[r] = sum / n + shift;
  }
  return Array.from(means.sort());
}

/**
 * Paired comparison of two runs with trials: the mean over items of `mean(B's trials) − mean(A's trials)`, a
 * two-level paired-bootstrap interval (items resampled as pairs, each side's trials resampled inside), and the paired
 * sign-flip p-value of the item differences (`signFlipPValue`, as `pairedBootstrap`: swapping which run gave an item's
 * trials flips the sign of its difference). Pairs with an empty side are left out.
 */
export function pairedTwoLevelBootstrap(pairs: readonly TrialPair[], options: BootstrapOptions = {}): PairedDelta {
  const usable = pairs.filter((p) => p.a.length > 0 && p.b.length > 0);
  const n = usable.length;
  if (n === 0) return { n, mean: null, ci: null, pValue: null };
  const differences = usable.map((p) => mean(p.b) - mean(p.a));
  let sum = 0;
  for (const d of differences) sum += d;
  const observed = sum / n;
  const means = pairedTwoLevelMeans(usable, options, 0);
  return {
    n,
    mean: observed,
    ci: percentileInterval(means, options.confidence ?? 0.95),
    pValue: signFlipPValue(differences, options.seed === undefined ? {} : { seed: options.seed }),
  };
}

/** Sample variance (n − 1); null below 2 values. */
function sampleVariance(values: readonly number[]): number | null {
  if (values.length < 2) return null;
  const m = mean(values);
  let ss = 0;
  for (const v of values) ss += (v - m) ** 2;
  return ss / (values.length - 1);
}

/** Trials figures of one grader from each item's scored trials and pass flags. */
export function summarizeTrials(items: readonly { scores: readonly number[]; passes: readonly boolean[] }[]): TrialsSummary {
  const scored = items.filter((i) => i.scores.length > 0);
  const variances = scored.flatMap((i) => sampleVariance(i.scores) ?? []);
  return {
    perItem: Math.max(0, ...scored.map((i) => i.scores.length)),
    items: scored.length,
    flaky: scored.filter((i) => i.passes.includes(true) && i.passes.includes(false)).length,
    withinVariance: variances.length === 0 ? null : mean(variances),
    betweenVariance: sampleVariance(scored.map((i) => mean(i.scores))),
  };
}
