import { describe, expect, it } from "vitest";
import { NORMAL } from "./normal-sample.fixture.ts";
import { pairedBootstrap } from "./paired.ts";
import { changedPairs, signFlipFloor } from "./sign-flip-floor.ts";

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
    // the bootstrap's own p-value is 0.0014992503748125937 (reference-values.py); 8 pairs changed, so the floor 2/2^8
    expect(result.pValue).toBe(2 / 256);
  });

  it("never calls a change significant that an exact test could not: one changed pair, or a few all one way", () => {
    // one item went from fail to pass: the bootstrap alone said p = 1/2001
    expect(pairedBootstrap([1])).toMatchObject({ n: 1, mean: 1, pValue: 1 });
    expect(pairedBootstrap([-1, 0, 0])).toMatchObject({ n: 3, pValue: 1 });
    // three items all dropped by 0.5: the sign test's p = 2/8, as McNemar's would be for three regressions
    expect(pairedBootstrap([-0.5, -0.5, -0.5]).pValue).toBe(0.25);
    expect(signFlipFloor(changedPairs([0, 1e-15, -0.2, 0.3]))).toBe(0.5);
    // with many changed pairs the floor is far below the bootstrap's resolution and changes nothing
    expect(signFlipFloor(40)).toBeLessThan(1 / 2001);
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
