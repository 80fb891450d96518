import { describe, expect, it } from "vitest";
import { bootstrapMeanInterval, mean } from "./bootstrap.ts";
import { NORMAL } from "./normal-sample.fixture.ts";
import { mulberry32 } from "./prng.ts";
import { quantileSorted } from "./quantile.ts";

// Reference values computed with Python 3 + numpy 2.4.6 (reference-values.py beside this file: a line-for-line Python port of mulberry32 and of
// the resampling loop, indices floor(rng() * n), then np.percentile(means, [2.5, 97.5]) with the default linear
// method). They check the PRNG, the resampling and the percentile definition independently of this code.
const VALUES = [0.0, 0.25, 0.5, 1.0, 1.0, 0.75, 0.0, 1.0, 0.5, 0.9, 0.1, 0.3];

describe("mulberry32", () => {
  it("matches the Python port", () => {
    const random = mulberry32(42);
    const first = [random(), random(), random(), random(), random()];
    expect(first).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099, 0.6697340414393693, 0.17481389874592423]);
  });
});

describe("quantileSorted", () => {
  it("interpolates linearly like numpy", () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4], 0.025)).toBeCloseTo(1.075, 12);
    expect(quantileSorted([7], 0.975)).toBe(7);
  });
});

describe("bootstrapMeanInterval", () => {
  it("matches the numpy reference for seed 7", () => {
    const ci = bootstrapMeanInterval(VALUES, { seed: 7 });
    expect(ci?.low).toBeCloseTo(0.3166666666666667, 12);
    expect(ci?.high).toBeCloseTo(0.7416666666666667, 12);
  });

  it("is reproducible for a seed and differs across seeds", () => {
    expect(bootstrapMeanInterval(VALUES, { seed: 1 })).toEqual(bootstrapMeanInterval(VALUES, { seed: 1 }));
    expect(bootstrapMeanInterval(VALUES, { seed: 1 })).not.toEqual(bootstrapMeanInterval(VALUES, { seed: 2 }));
  });

  it("agrees with scipy's percentile bootstrap within Monte Carlo error", () => {
    const ci = bootstrapMeanInterval(NORMAL);
    expect(Math.abs((ci?.low ?? 0) - -0.0106515)).toBeLessThan(0.005);
    expect(Math.abs((ci?.high ?? 0) - 0.0661007)).toBeLessThan(0.005);
    expect(ci?.low).toBeLessThan(mean(NORMAL));
  });

  it("is degenerate for a constant sample and null for none", () => {
    expect(bootstrapMeanInterval([1, 1, 1])).toEqual({ low: 1, high: 1 });
    expect(bootstrapMeanInterval([])).toBeNull();
  });
});
