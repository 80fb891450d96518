import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { C_MIN, fitPowerLaw, learningCurve, predict } from "./learning-curve.ts";

interface Fixture {
  series: { n: number; scores: number[] }[];
  fit: { a: number; b: number; c: number; sse: number };
  at: number[];
  resamples: number;
  seed: number;
  projections: { n: number; y: number; low: number; high: number }[];
  asymptote: { y: number; low: number; high: number };
}
// scipy's curve_fit on the same points and the same bootstrap resamples (learning_curve_reference.py).
const ref = JSON.parse(readFileSync(new URL("./learning-curve.fixture.json", import.meta.url), "utf8")) as Fixture;

describe("saturating power-law fit", () => {
  it("recovers a known curve from exact points", () => {
    const truth = { a: 0.9, b: 0.5, c: 0.4, sse: 0 };
    const points = [10, 30, 100, 300, 1000].map((n) => ({ n, y: predict(truth, n) }));
    const fit = fitPowerLaw(points);
    expect(fit.a).toBeCloseTo(0.9, 8);
    expect(fit.b).toBeCloseTo(0.5, 8);
    expect(fit.c).toBeCloseTo(0.4, 8);
    expect(fit.sse).toBeLessThan(1e-20);
  });

  it("keeps the asymptote at most 1 for scores in [0, 1] (nearly straight points in log n)", () => {
    const points = [100, 200, 400, 800].map((n) => ({ n, y: 0.2 + 0.1 * Math.log2(n / 100) }));
    const fit = fitPowerLaw(points);
    expect(fit.a).toBeLessThanOrEqual(1);
    expect(fit.c).toBeGreaterThanOrEqual(C_MIN);
    expect(fitPowerLaw(points, 10).a).toBeGreaterThan(1);
  });

  it("needs three distinct sizes, positive sizes and finite scores", () => {
    expect(() =>
      fitPowerLaw([
        { n: 10, y: 0.5 },
        { n: 20, y: 0.6 },
        { n: 20, y: 0.61 },
      ]),
    ).toThrow(/three distinct/);
    expect(() =>
      fitPowerLaw([
        { n: 0, y: 0.5 },
        { n: 20, y: 0.6 },
        { n: 40, y: 0.7 },
      ]),
    ).toThrow(/> 0/);
  });

  it("matches scipy's curve_fit on noisy points", () => {
    const fit = fitPowerLaw(ref.series.map((s) => ({ n: s.n, y: s.scores.reduce((a, b) => a + b, 0) / s.scores.length })));
    expect(fit.sse).toBeLessThanOrEqual(ref.fit.sse * (1 + 1e-9) + 1e-15);
    expect(fit.a).toBeCloseTo(ref.fit.a, 5);
    expect(fit.b).toBeCloseTo(ref.fit.b, 4);
    expect(fit.c).toBeCloseTo(ref.fit.c, 5);
  });
});

describe("learning curve with paired item-bootstrap intervals", () => {
  it("gives scipy's projections and percentile intervals on the same resamples", () => {
    const curve = learningCurve(ref.series, { at: ref.at, resamples: ref.resamples, seed: ref.seed });
    for (const [j, p] of curve.projections.entries()) {
      const want = ref.projections[j] as Fixture["projections"][number];
      expect(p.n).toBe(want.n);
      expect(p.y).toBeCloseTo(want.y, 6);
      expect(p.interval.low).toBeCloseTo(want.low, 5);
      expect(p.interval.high).toBeCloseTo(want.high, 5);
    }
    expect(curve.asymptote.y).toBeCloseTo(ref.asymptote.y, 5);
    expect(curve.asymptote.interval.low).toBeCloseTo(ref.asymptote.low, 5);
    expect(curve.asymptote.interval.high).toBeCloseTo(ref.asymptote.high, 5);
  });

  it("widens its interval with fewer test items, and refuses series scored on different items", () => {
    const few = ref.series.map((s) => ({ n: s.n, scores: s.scores.slice(0, 60) }));
    const width = (c: ReturnType<typeof learningCurve>) => (c.projections[0]?.interval.high ?? 0) - (c.projections[0]?.interval.low ?? 0);
    const all = learningCurve(ref.series, { at: [1600], resamples: 200, seed: 1 });
    expect(width(learningCurve(few, { at: [1600], resamples: 200, seed: 1 }))).toBeGreaterThan(width(all));
    expect(() =>
      learningCurve([
        { n: 1, scores: [1] },
        { n: 2, scores: [1, 0] },
        { n: 3, scores: [0] },
      ]),
    ).toThrow(/same/);
  });
});
