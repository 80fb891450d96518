/**
 * Goodness of fit of seeded draws to a reference distribution given as bins (binomial_reference.py writes them), for
 * the tests of the binomial sampler and of the grouped bootstrap: the chi-square statistic over the bins and the
 * Kolmogorov-Smirnov distance at the bins' upper edges. Also the plain item-by-item bootstrap the resampling tests
 * compare against.
 */

import { mulberry32 } from "./prng.ts";

export interface ReferenceBin {
  /** The smallest and largest outcome of the bin (inclusive). */
  from: number;
  to: number;
  probability: number;
}

export interface Fit {
  chiSquare: number;
  ks: number;
}

/** The fit of integer outcomes to the bins; an outcome outside every bin makes both figures infinite. */
export function fitToBins(outcomes: ArrayLike<number>, bins: readonly ReferenceBin[]): Fit {
  const observed = new Float64Array(bins.length);
  for (let i = 0; i < outcomes.length; i++) {
    const outcome = outcomes[i] as number;
    const bin = binOf(bins, outcome);
    if (bin < 0) return { chiSquare: Number.POSITIVE_INFINITY, ks: Number.POSITIVE_INFINITY };
    observed[bin] = (observed[bin] as number) + 1;
  }
  const draws = outcomes.length;
  let chiSquare = 0;
  let ks = 0;
  let seen = 0;
  let expected = 0;
  for (const [i, bin] of bins.entries()) {
    const count = observed[i] as number;
    const e = bin.probability * draws;
    chiSquare += (count - e) ** 2 / e;
    seen += count / draws;
    expected += bin.probability;
    ks = Math.max(ks, Math.abs(seen - expected));
  }
  return { chiSquare, ks };
}

/** The index of the bin holding `outcome` (bins are sorted and contiguous), or −1. */
function binOf(bins: readonly ReferenceBin[], outcome: number): number {
  let low = 0;
  let high = bins.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const bin = bins[mid] as ReferenceBin;
    if (outcome < bin.from) high = mid - 1;
    else if (outcome > bin.to) low = mid + 1;
    else return Number.isInteger(outcome) ? mid : -1;
  }
  return -1;
}

/** The item-by-item bootstrap written out plainly: per resample, one index floor(u · n) per slot. */
export function directMeans(values: readonly number[], resamples: number, seed: number): number[] {
  const random = mulberry32(seed);
  const n = values.length;
  const means: number[] = [];
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[Math.floor(random() * n)] ?? Number.NaN;
    means.push(sum / n);
  }
  return means;
}
