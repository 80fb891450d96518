import { describe, expect, it } from "vitest";
import { NORMAL } from "./normal-sample.fixture.ts";
import { pairedBootstrap } from "./paired.ts";

describe("pairedBootstrap", () => {
  // Reference: the Python port described in bootstrap.test.ts; CI from resamples with seed 3, p-value from the same
  // resamples shifted to mean 0: (1 + #{|m* - mean(d)| >= |mean(d)|}) / 2001.
  it("matches the numpy reference", () => {
    const a = [0.2, 0.5, 0.9, 0.4, 1.0, 0.0, 0.3, 0.8, 0.6, 0.7];
    const b = [0.4, 0.5, 1.0, 0.6, 0.9, 0.3, 0.3, 1.0, 0.9, 0.8];
    const result = pairedBootstrap(
      b.map((x, i) => x - (a[i] ?? 0)),
      { seed: 3 },
    );
    expect(result.n).toBe(10);
    expect(result.mean).toBeCloseTo(0.13, 12);
    expect(result.ci?.low).toBeCloseTo(0.04975, 12);
    expect(result.ci?.high).toBeCloseTo(0.21, 12);
    expect(result.pValue).toBeCloseTo(0.0014992503748125937, 12);
  });

  it("gives p = 1 and a zero interval when nothing changed", () => {
    expect(pairedBootstrap([0, 0, 0, 0])).toEqual({ n: 4, mean: 0, ci: { low: 0, high: 0 }, pValue: 1 });
  });

  it("agrees with a one-sample t-test on a large normal sample", () => {
    // scipy: ttest_1samp(NORMAL, 0).pvalue = 0.1574; the bootstrap p-value is a Monte Carlo estimate of the same.
    const result = pairedBootstrap(NORMAL);
    expect(Math.abs((result.pValue ?? 0) - 0.1574)).toBeLessThan(0.03);
    expect(result.ci?.low).toBeLessThan(0);
    expect(result.ci?.high).toBeGreaterThan(0);
  });

  it("is empty without pairs", () => {
    expect(pairedBootstrap([])).toEqual({ n: 0, mean: null, ci: null, pValue: null });
  });
});
