import { describe, expect, it } from "vitest";
import { bootstrapMeanInterval, bootstrapMeanIntervals, bootstrapMeans, bootstrapMeansMany } from "./bootstrap.ts";
import { directMeans } from "./goodness-of-fit.test-helpers.ts";
import { buildResamplePlan, MAX_PLAN_CELLS, planMeans, resamplePlan } from "./resample-plan.ts";

const values = Array.from({ length: 97 }, (_, i) => (i % 4 === 0 ? 0 : Math.round(Math.sin(i * 1.7) * 1000) / 1000));

describe("resample plans", () => {
  it("tally exactly the direct loop's draws", () => {
    const plan = buildResamplePlan(values.length, 300, 11);
    const direct = directMeans(values, 300, 11);
    const planned = planMeans(plan, Float64Array.from(values), 0);
    expect(planned).toHaveLength(300);
    for (let r = 0; r < 300; r++) expect(planned[r]).toBeCloseTo(direct[r] ?? Number.NaN, 12);
    // every resample draws n items
    for (let r = 0; r < 300; r++) {
      let drawn = 0;
      for (let i = 0; i < values.length; i++) drawn += plan.counts[i * 300 + r] ?? 0;
      expect(drawn).toBe(values.length);
    }
  });

  it("add the shift to every mean", () => {
    const plan = buildResamplePlan(values.length, 50, 3);
    const plain = planMeans(plan, Float64Array.from(values), 0);
    const shifted = planMeans(plan, Float64Array.from(values), -0.25);
    for (let r = 0; r < 50; r++) expect(shifted[r]).toBeCloseTo((plain[r] ?? 0) - 0.25, 12);
  });

  it("are cached per (n, resamples, seed) and not built past MAX_PLAN_CELLS", () => {
    const first = resamplePlan(120, 2_000, 5);
    expect(first).toBeDefined();
    expect(resamplePlan(120, 2_000, 5)).toBe(first);
    expect(resamplePlan(120, 2_000, 6)).not.toBe(first);
    expect(resamplePlan(Math.floor(MAX_PLAN_CELLS / 2_000) + 1, 2_000, 0)).toBeUndefined();
    expect(() => planMeans(buildResamplePlan(3, 10, 0), Float64Array.from([1, 2]), 0)).toThrow(/3 items/);
  });

  it("give bootstrapMeans the same means as resampling directly (large samples with no common value are resampled directly)", () => {
    const small = bootstrapMeans(values, { seed: 2, resamples: 400 });
    expect(small).toHaveLength(400);
    const expected = directMeans(values, 400, 2).sort((x, y) => x - y);
    for (let r = 0; r < 400; r++) expect(small[r]).toBeCloseTo(expected[r] ?? Number.NaN, 12);
    // past the plan limit a sample whose values all differ is drawn directly, the same draws (samples with values that
    // many items share are drawn per value there: multinomial-bootstrap.test.ts)
    const n = Math.floor(MAX_PLAN_CELLS / 200) + 1;
    const big = Array.from({ length: n }, (_, i) => i / n);
    expect(resamplePlan(n, 200, 9)).toBeUndefined();
    const direct = bootstrapMeans(big, { seed: 9, resamples: 200 });
    const reference = directMeans(big, 200, 9).sort((x, y) => x - y);
    for (let r = 0; r < 200; r++) expect(direct[r]).toBeCloseTo(reference[r] ?? Number.NaN, 12);
  });
});

describe("bootstrapMeansMany and bootstrapMeanIntervals", () => {
  const n = Math.floor(MAX_PLAN_CELLS / 300) + 7; // past the plan limit at 300 resamples
  // three samples with common values (drawn per value) and two whose values all differ (the fused direct loop)
  const samples = [
    ...[0, 1, 2].map((g) => Array.from({ length: n }, (_, i) => ((i * (g + 3)) % 11) / 10)),
    ...[1, 2].map((g) => Array.from({ length: n }, (_, i) => (i * g) / n)),
  ];

  it("give every sample exactly the means of a call of its own", () => {
    const many = bootstrapMeansMany(samples, { seed: 4, resamples: 300 });
    for (const [g, sample] of samples.entries()) expect(many[g]).toEqual(bootstrapMeans(sample, { seed: 4, resamples: 300 }));
    expect(() => bootstrapMeansMany([[1, 2], [1]])).toThrow(/one size/);
  });

  it("group samples by size, each interval as bootstrapMeanInterval gives it", () => {
    const mixed = [samples[0] ?? [], [0.5, 1, 0, 1], [], samples[2] ?? [], samples[4] ?? [], [1, 1, 0, 0]];
    const intervals = bootstrapMeanIntervals(mixed, { seed: 2, resamples: 300 });
    expect(intervals).toEqual(mixed.map((s) => bootstrapMeanInterval(s, { seed: 2, resamples: 300 })));
    expect(intervals[2]).toBeNull();
  });
});
