import { binomial } from "./binomial.ts";

/**
 * The bootstrap of a mean, drawn per distinct value instead of per item. A resample draws n items with replacement,
 * each with probability 1/n, and its mean depends only on how often each distinct value is drawn: those counts follow
 * Multinomial(n; c₁/n, …, c_d/n), where c_j is how many items hold value j. So the resampled means have exactly the
 * distribution of the item-by-item bootstrap, drawn with d binomials instead of n uniforms: a count is
 * Binomial(n − drawn so far, c_j / (n − items of the values before it)), the usual conditional decomposition of a
 * multinomial.
 *
 * Values held by fewer than HEAVY_COUNT items stay items: they form one more category (its probability is their share
 * of the items), and the slots that category receives are filled by drawing those items uniformly, as the item-by-item
 * bootstrap does (given how many slots fall in it, each is an independent uniform draw among its items). Scores such
 * as pass/fail then cost one binomial per resample, similarity scores a binomial per common value plus a draw per rare
 * item; a sample with no common value draws every slot by index, exactly the direct loop's draws (bootstrap.ts).
 *
 * The draws come from mulberry32(seed) in a fixed order (per resample: the binomials of the common values, most
 * common first, ties by ascending value, then the slots of the rare items), so a seed always gives the same means.
 * Only a statistic of one sample can be resampled this way: statistics that pair items across samples need the
 * indices themselves (a paired comparison resamples its differences, which is one sample).
 */

/** Values held by at least this many items are drawn as a count (one binomial) rather than slot by slot. */
export const HEAVY_COUNT = 24;

/** A sample split into its common values (with their item counts, most common first) and the items of the rare ones. */
export interface ValueGroups {
  n: number;
  values: Float64Array;
  counts: Float64Array;
  /**
   * The items whose value is rare: ascending, so the draws depend on the sample's values and not on their order; every
   * item in the sample's order when no value is common (the direct loop's draws).
   */
  rare: Float64Array;
}

/** Groups a sample's values by how many items hold them (see HEAVY_COUNT). */
export function groupValues(sample: Float64Array, heavyCount = HEAVY_COUNT): ValueGroups {
  const n = sample.length;
  // equal values side by side (NaN last, each NaN apart: it never equals anything)
  const sorted = Float64Array.from(sample).sort();
  const heavy: { value: number; count: number }[] = [];
  const rare: number[] = [];
  for (let start = 0; start < n; ) {
    const value = sorted[start] as number;
    let end = start + 1;
    while (end < n && sorted[end] === value) end++;
    if (end - start >= heavyCount) heavy.push({ value, count: end - start });
    else for (let i = start; i < end; i++) rare.push(sorted[i] as number);
    start = end;
  }
  // most common first; a stable sort keeps equally common values ascending
  heavy.sort((x, y) => y.count - x.count);
  return {
    n,
    values: Float64Array.from(heavy, (h) => h.value),
    counts: Float64Array.from(heavy, (h) => h.count),
    rare: heavy.length === 0 ? Float64Array.from(sample) : Float64Array.from(rare),
  };
}

/** `resamples` bootstrap means of the grouped sample plus `shift`, in resample order (not sorted). */
export function multinomialMeans(groups: ValueGroups, resamples: number, seed: number, shift = 0): Float64Array {
  const { n, values, counts, rare } = groups;
  const d = values.length;
  // the conditional probability of each common value: its items over the items of it and of everything after it
  const probabilities = new Float64Array(d);
  let left = n;
  for (let j = 0; j < d; j++) {
    const count = counts[j] as number;
    probabilities[j] = count / left;
    left -= count;
  }
  const m = rare.length;
  // mulberry32 (prng.ts) over a state the binomials and the loop over rare slots share
  const source = { state: seed >>> 0 };
  const random = () => {
    source.state = (source.state + 0x6d2b79f5) >>> 0;
    let t = source.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let remaining = n;
    let sum = 0;
    for (let j = 0; j < d && remaining > 0; j++) {
      const drawn = binomial(remaining, probabilities[j] as number, random);
      sum += drawn * (values[j] as number);
      remaining -= drawn;
    }
    // the slots left fall on rare items (none are left when every value is common: the last probability is 1)
    let state = source.state;
    for (let s = 0; s < remaining; s++) {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      sum += rare[Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * m)] as number;
    }
    source.state = state;
    means[r] = sum / n + shift;
  }
  return means;
}
