// The loss chart's smoothing against values worked out by hand (TensorBoard's debiased EMA).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { emaSmooth } from "./smooth.ts";

describe("emaSmooth", () => {
  it("debiases the running average (weight 0.5, worked by hand)", () => {
    // last: 0.5, 1.25, 2.125; divided by 1 − 0.5^k: 0.5, 0.75, 0.875
    const [a, b, c] = emaSmooth([1, 2, 3], 0.5);
    expect(a).toBeCloseTo(1, 12);
    expect(b).toBeCloseTo(5 / 3, 12);
    expect(c).toBeCloseTo(17 / 7, 12);
  });

  it("weights 0.9 as TensorBoard does: the first point is itself, the second leans on it", () => {
    // last: 1.0, 0.9·1.0 + 0.1·0 = 0.9; debias 0.1, 0.19
    const [a, b] = emaSmooth([10, 0], 0.9);
    expect(a).toBeCloseTo(10, 12);
    expect(b).toBeCloseTo(0.9 / 0.19, 12);
  });

  it("keeps missing points missing and does not count them", () => {
    const smoothed = emaSmooth([1, null, 2, Number.NaN], 0.5);
    expect(smoothed[0]).toBeCloseTo(1, 12);
    expect(smoothed[1]).toBeNull();
    expect(smoothed[2]).toBeCloseTo(5 / 3, 12); // as if [1, 2]
    expect(smoothed[3]).toBeNaN();
  });

  it("leaves a series alone at weight 0, a constant series at any weight, and refuses weights outside [0, 1)", () => {
    expect(emaSmooth([3, 1, 2], 0)).toEqual([3, 1, 2]);
    expect(emaSmooth([2, 2, null, 2], 0.99)).toEqual([2, 2, null, 2]);
    expect(emaSmooth([], 0.6)).toEqual([]);
    expect(() => emaSmooth([1], 1)).toThrow(RangeError);
    expect(() => emaSmooth([1], -0.1)).toThrow(RangeError);
  });
});

describe("emaSmooth against the numpy reference", () => {
  // fixtures/smooth_reference.py: 120 noisy losses with 3 missing, smoothed at 5 weights (the closed form of the EMA)
  const fixture = JSON.parse(readFileSync(new URL("./fixtures/smooth-reference.json", import.meta.url), "utf8")) as {
    values: Array<number | null>;
    cases: Array<{ weight: number; smoothed: Array<number | null> }>;
  };
  for (const { weight, smoothed } of fixture.cases) {
    it(`matches at weight ${weight}`, () => {
      const ours = emaSmooth(fixture.values, weight);
      expect(ours.map((v) => v === null)).toEqual(smoothed.map((v) => v === null));
      ours.forEach((v, i) => {
        if (v !== null) expect(v).toBeCloseTo(smoothed[i] as number, 10);
      });
    });
  }
});
