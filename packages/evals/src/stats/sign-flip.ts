// The paired p-value, in a module of its own without zod (the trials path of the finalize worker loads it).
import { mulberry32 } from "./prng.ts";

/** Up to this many pairs that changed, every sign pattern is enumerated (2^20 = 1,048,576 sums). */
export const SIGN_FLIP_EXACT_MAX = 20;
/** Random sign patterns drawn above SIGN_FLIP_EXACT_MAX: p is then a multiple of 1 / 10,001. */
export const SIGN_FLIP_DRAWS = 10_000;

export interface SignFlipOptions {
  /** Seed of the random sign patterns (only drawn above SIGN_FLIP_EXACT_MAX changed pairs; default 0). */
  seed?: number;
  /** Random sign patterns drawn above SIGN_FLIP_EXACT_MAX changed pairs (default SIGN_FLIP_DRAWS). */
  draws?: number;
}

/** Differences no farther from 0 than this are rounding, not a change: they carry no information. */
const ZERO = 1e-12;
/** Sums this close (relative to the sum of |d|) are the same sum, so rounding never decides a tie. */
const TIE = 1e-9;
/** Changed pairs summed per lookup table in the random draws (one byte of a 32-bit draw each). */
const CHUNK = 8;

/**
 * Two-sided paired sign-flip (randomization) test of H0: "which run gave which score is exchangeable within each
 * pair", i.e. each difference `d = b − a` is as likely to be `−d` (Fisher 1935; Good, "Permutation, Parametric and
 * Bootstrap Tests of Hypotheses", §3.1). The statistic is |Σ d| (|mean d| for a fixed n); the p-value is the share of
 * sign patterns whose |Σ ±|d|| is at least the observed one. Differences of 0 look the same under either sign and are
 * left out; with m pairs that changed:
 * - m ≤ SIGN_FLIP_EXACT_MAX: every one of the 2^m patterns is counted (half by half, `exactShare`), so p is exact
 *   (at least 2 / 2^m: one changed pair gives 1, three that all dropped 1/4, as the sign test and McNemar's do);
 * - above that, `draws` seeded random patterns: p = (1 + #{|Σ*| ≥ |Σ d|}) / (1 + draws), which is never 0 and keeps
 *   the test's level (the observed pattern counts as one of the draws).
 * 1 when no pair changed. The test holds its level for any number of pairs: the paired bootstrap's p-value rejected a
 * true null 30% of the time with 3 pairs (sign-flip.test.ts simulates it). sign_flip_reference.py beside this file
 * checks the figures against scipy.stats.permutation_test and exact binomial sums.
 *
 * The random draws run chunk by chunk: the changed pairs in A's order are cut into chunks of 8, each with a table of its
 * 256 partial sums; for each chunk, for draws 4r..4r+3, one 32-bit value of mulberry32(seed) gives each of the four
 * draws a byte, whose bits are the chunk's signs. So a draw costs m/8 lookups, and 10,000 pairs take 12.5M of them.
 */
export function signFlipPValue(differences: readonly number[], options: SignFlipOptions = {}): number {
  const magnitudes: number[] = [];
  let sum = 0;
  let total = 0;
  for (const d of differences) {
    if (!(Math.abs(d) > ZERO)) continue;
    magnitudes.push(Math.abs(d));
    sum += d;
    total += Math.abs(d);
  }
  const m = magnitudes.length;
  if (m === 0) return 1;
  // a pattern's sum is 2·(the |d| taken positive) − total: count the patterns with |2·positive − total| ≥ |sum|
  const threshold = Math.abs(sum) - TIE * total;
  if (threshold <= 0) return 1;
  if (m <= SIGN_FLIP_EXACT_MAX) return exactShare(magnitudes, total, threshold);
  const draws = options.draws ?? SIGN_FLIP_DRAWS;
  const positives = randomPositiveSums(magnitudes, draws, options.seed ?? 0);
  let count = 0;
  for (const positive of positives) if (Math.abs(2 * positive - total) >= threshold) count++;
  return (1 + count) / (1 + draws);
}

/**
 * The share of all 2^m sign patterns with |2·positive − total| ≥ threshold (> 0), enumerated half by half: the subset
 * sums x of the first half and y of the second (sorted), and for each x the y with x + y ≥ (total + threshold) / 2 or
 * x + y ≤ (total − threshold) / 2 counted by binary search: 2·2^(m/2) sums instead of 2^m.
 */
function exactShare(magnitudes: readonly number[], total: number, threshold: number): number {
  const half = magnitudes.length >> 1;
  const left = subsetSums(magnitudes.slice(0, half));
  const right = subsetSums(magnitudes.slice(half)).sort();
  const high = (total + threshold) / 2;
  const low = (total - threshold) / 2;
  let count = 0;
  for (const x of left) count += right.length - firstAtLeast(right, high - x) + firstAbove(right, low - x);
  return count / (left.length * right.length);
}

/** Index of the first value ≥ target in ascending `values` (its length when none). */
function firstAtLeast(values: Float64Array, target: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((values[mid] as number) < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first value > target in ascending `values`: how many are ≤ target. */
function firstAbove(values: Float64Array, target: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((values[mid] as number) <= target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The sums of every subset of `values` (2^length of them; bit k of the index takes values[k]). */
function subsetSums(values: readonly number[]): Float64Array {
  const sums = new Float64Array(2 ** values.length);
  let size = 1;
  for (const value of values) {
    for (let i = 0; i < size; i++) sums[size + i] = (sums[i] as number) + value;
    size *= 2;
  }
  return sums;
}

/** For each of `draws` random sign patterns, the sum of the magnitudes drawn positive (see signFlipPValue). */
function randomPositiveSums(magnitudes: readonly number[], draws: number, seed: number): Float64Array {
  const random = mulberry32(seed);
  const positives = new Float64Array(draws);
  for (let from = 0; from < magnitudes.length; from += CHUNK) {
    const chunk = magnitudes.slice(from, from + CHUNK);
    const table = subsetSums(chunk);
    const mask = table.length - 1;
    for (let r = 0; r < draws; r += 4) {
      const bits = random() * 4294967296; // the generator's 32-bit value, exactly
      const last = Math.min(4, draws - r);
      for (let j = 0; j < last; j++) positives[r + j] = (positives[r + j] as number) + (table[(bits >>> (8 * j)) & mask] as number);
    }
  }
  return positives;
}
