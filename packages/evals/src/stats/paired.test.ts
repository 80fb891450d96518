import { describe, expect, it } from "vitest";
import { NORMAL } from "./normal-sample.fixture.ts";
import { pairedBootstrap } from "./paired.ts";
import { signFlipPValue } from "./sign-flip.ts";

describe("pairedBootstrap", () => {
  // Reference: reference-values.py (the Python port described in bootstrap.test.ts); CI from resamples with seed 3,
  // p-value from scipy's permutation_test enumerating the sign patterns of the differences.
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
    // 8 pairs changed: 8 of the 256 sign patterns are as extreme (the bootstrap's own p-value was 0.0015)
    expect(result.pValue).toBeCloseTo(0.03125, 12);
  });

  it("takes its p-value from the sign-flip test: one changed pair, or a few all one way, prove little", () => {
    // one item went from fail to pass: the bootstrap alone said p = 1/2001
    expect(pairedBootstrap([1])).toMatchObject({ n: 1, mean: 1, pValue: 1 });
    expect(pairedBootstrap([-1, 0, 0])).toMatchObject({ n: 3, pValue: 1 });
    // three items all dropped by 0.5: the sign test's p = 2/8, as McNemar's would be for three regressions
    expect(pairedBootstrap([-0.5, -0.5, -0.5]).pValue).toBe(0.25);
    const d = [0.3, -0.1, 0.25, 0.4, -0.05, 0.6, 0.2, -0.3, 0.15, 0, 0.1];
    expect(pairedBootstrap(d, { seed: 9 }).pValue).toBe(signFlipPValue(d, { seed: 9 }));
  });

  it("gives p = 1 and a zero interval when nothing changed", () => {
    expect(pairedBootstrap([0, 0, 0, 0])).toEqual({ n: 4, mean: 0, ci: { low: 0, high: 0 }, pValue: 1 });
  });

  it("agrees with a one-sample t-test on a large normal sample", () => {
    // scipy: ttest_1samp(NORMAL, 0).pvalue = 0.1574; the sign-flip test's p-value comes close on normal data.
    const result = pairedBootstrap(NORMAL);
    expect(Math.abs((result.pValue ?? 0) - 0.1574)).toBeLessThan(0.03);
    expect(result.ci?.low).toBeLessThan(0);
    expect(result.ci?.high).toBeGreaterThan(0);
  });

  it("is empty without pairs", () => {
    expect(pairedBootstrap([])).toEqual({ n: 0, mean: null, ci: null, pValue: null });
  });
});
