import { describe, expect, it } from "vitest";
import fixture from "./binomial.fixture.json" with { type: "json" };
import { bootstrapMeanInterval, bootstrapMeans } from "./bootstrap.ts";
import { directMeans, fitToBins } from "./goodness-of-fit.test-helpers.ts";
import { groupValues, HEAVY_COUNT, multinomialMeans } from "./multinomial-bootstrap.ts";
import { mulberry32 } from "./prng.ts";
import { quantileSorted } from "./quantile.ts";
import { MAX_PLAN_CELLS, resamplePlan } from "./resample-plan.ts";

/** The two-sample Kolmogorov-Smirnov distance between two ascending samples. */
function ksDistance(a: readonly number[], b: readonly number[]): number {
  let i = 0;
  let j = 0;
  let distance = 0;
  while (i < a.length && j < b.length) {
    const x = Math.min(a[i] as number, b[j] as number);
    while (i < a.length && (a[i] as number) <= x) i++;
    while (j < b.length && (b[j] as number) <= x) j++;
    distance = Math.max(distance, Math.abs(i / a.length - j / b.length));
  }
  return distance;
}

describe("grouping a sample by value", () => {
  it("keeps common values as counts (most common first, ties by value) and rare items ascending", () => {
    const sample = Float64Array.from([0.5, 1, 0.2, 1, 0, 0.5, 1, 0, 0.7, 0.2]);
    const groups = groupValues(sample, 2);
    expect(Array.from(groups.values)).toEqual([1, 0, 0.2, 0.5]);
    expect(Array.from(groups.counts)).toEqual([3, 2, 2, 2]);
    expect(Array.from(groups.rare)).toEqual([0.7]);
    expect(groups.n).toBe(10);
    expect(groupValues(sample, 4).values).toHaveLength(0);
    expect(Array.from(groupValues(sample, 3).values)).toEqual([1]);
    expect(Array.from(groupValues(sample, 3).rare)).toEqual([0, 0, 0.2, 0.2, 0.5, 0.5, 0.7]);
    // no common value: every item, in the sample's order
    expect(Array.from(groupValues(sample, 4).rare)).toEqual(Array.from(sample));
  });

  it("resamples the same means whatever the order of the items, once some value is common", () => {
    const values = Array.from({ length: 600 }, (_, i) => (i % 4 === 0 ? 1 : (i * 7919) % 101));
    const reversed = [...values].reverse();
    const means = multinomialMeans(groupValues(Float64Array.from(values)), 300, 4);
    expect(multinomialMeans(groupValues(Float64Array.from(reversed)), 300, 4)).toEqual(means);
  });
});

describe("the bootstrap drawn per value", () => {
  // Exact distributions of the resample sum (binomial_reference.py: the sample's value distribution convolved n times in
  // exact fractions). Each threshold draws a different mix: every value as a count (1), some as counts and the rest
  // item by item, every item by index (more than n).
  const cases = fixture.bootstrap.flatMap((c) => [1, 5, 8, c.values.length + 1].map((heavy) => [c.name, heavy, c] as const));

  it.each(cases)("resamples %s (values drawn as counts from %i items on) with the exact distribution", (_, heavy, c) => {
    const n = c.values.length;
    const means = multinomialMeans(groupValues(Float64Array.from(c.values), heavy), c.draws, 23);
    const sums = means.map((m) => Math.round(m * n * c.scale));
    const fit = fitToBins(sums, c.bins);
    expect(fit.chiSquare).toBeLessThan(c.chiSquareCritical);
    expect(fit.ks).toBeLessThan(c.ksCritical);
  });

  it("draws exactly the direct loop's indices when no value is common", () => {
    const values = Array.from({ length: 300 }, (_, i) => Math.sin(i) / 2);
    const grouped = multinomialMeans(groupValues(Float64Array.from(values)), 100, 5);
    expect(Array.from(grouped)).toEqual(directMeans(values, 100, 5));
  });

  it("is reproducible for a seed, differs across seeds, and adds the shift", () => {
    const groups = groupValues(Float64Array.from({ length: 500 }, (_, i) => (i % 7 === 0 ? 0.25 : i % 3)));
    const first = multinomialMeans(groups, 200, 1);
    expect(multinomialMeans(groups, 200, 1)).toEqual(first);
    expect(multinomialMeans(groups, 200, 2)).not.toEqual(first);
    const shifted = multinomialMeans(groups, 200, 1, -0.5);
    for (let r = 0; r < 200; r++) expect(shifted[r]).toBeCloseTo((first[r] as number) - 0.5, 12);
  });

  // A grader's scores on a large run: most items share a few values, the rest are spread over values held by a few items.
  const n = Math.floor(MAX_PLAN_CELLS / 2_000) + 500;
  const random = mulberry32(99);
  const scores = Array.from({ length: n }, () => {
    const u = random();
    if (u < 0.6) return 1;
    if (u < 0.75) return 0;
    if (u < 0.85) return 0.5;
    return Math.round(random() * 400) / 400;
  });

  it("gives a large sample the direct loop's distribution of means (bootstrapMeans past the plan limit)", () => {
    expect(resamplePlan(n, 2_000, 0)).toBeUndefined();
    const groups = groupValues(Float64Array.from(scores));
    expect(groups.values.length).toBeGreaterThan(2);
    expect(groups.rare.length).toBeGreaterThan(100); // both kinds of draws are exercised
    const resamples = 4_000;
    const grouped = bootstrapMeans(scores, { seed: 3, resamples });
    const direct = directMeans(scores, resamples, 8).sort((x, y) => x - y);
    // two-sample Kolmogorov-Smirnov at alpha 1e-4: c(α)·sqrt(2 / B) with c(α) = sqrt(−ln(α/2)/2)
    expect(ksDistance(grouped, direct)).toBeLessThan(Math.sqrt(-Math.log(1e-4 / 2) / 2) * Math.sqrt(2 / resamples));
    // the percentile interval's ends agree within about five standard errors of their difference (0.06 σ each for B = 4,000)
    const mean = scores.reduce((s, v) => s + v, 0) / n;
    const sd = Math.sqrt(scores.reduce((s, v) => s + (v - mean) ** 2, 0) / n / n);
    for (const q of [0.025, 0.5, 0.975]) expect(Math.abs(quantileSorted(grouped, q) - quantileSorted(direct, q))).toBeLessThan(0.3 * sd);
    // the interval itself is the percentile interval of these means
    const ci = bootstrapMeanInterval(scores, { seed: 3, resamples });
    expect(ci?.low).toBe(quantileSorted(grouped, 0.025));
    expect(ci?.high).toBe(quantileSorted(grouped, 0.975));
  });

  it("resamples with the variance of the item-by-item bootstrap, σ²/n (within Monte Carlo error)", () => {
    const resamples = 40_000;
    const means = multinomialMeans(groupValues(Float64Array.from(scores)), resamples, 12);
    const mean = scores.reduce((s, v) => s + v, 0) / n;
    const expected = scores.reduce((s, v) => s + (v - mean) ** 2, 0) / n / n;
    const m = means.reduce((s, v) => s + v, 0) / resamples;
    const variance = means.reduce((s, v) => s + (v - m) ** 2, 0) / resamples;
    // a 40,000-resample variance has a relative standard error of sqrt(2 / B) ≈ 0.7%
    expect(Math.abs(variance - expected) / expected).toBeLessThan(0.04);
    expect(Math.abs(m - mean)).toBeLessThan(5 * Math.sqrt(expected / resamples));
  });

  it("draws a common value's count as one binomial (the default threshold)", () => {
    expect(HEAVY_COUNT).toBeGreaterThan(1);
    const groups = groupValues(Float64Array.from(scores));
    for (const count of groups.counts) expect(count).toBeGreaterThanOrEqual(HEAVY_COUNT);
    expect(groups.rare.length + groups.counts.reduce((s, c) => s + c, 0)).toBe(n);
  });
});
