import { describe, expect, it } from "vitest";
import { erroredGrade, type Grade } from "../grade.ts";
import { compareGrader, compareRuns } from "./compare.ts";
import { mcnemarExact } from "./mcnemar.ts";
import type { ScoredItem } from "./scored-item.ts";

const g = (score: number): Grade => ({ score, passed: score >= 0.5 });
const run = (scores: Record<string, Grade>): ScoredItem[] =>
  Object.entries(scores).map(([item_id, grade]) => ({ item_id, grades: { exact: grade } }));

describe("compareGrader", () => {
  const a = run({ a: g(1), b: g(1), c: g(0), d: g(0), e: g(1), f: erroredGrade("other_error", "x"), onlyA: g(1) });
  const b = run({ a: g(1), b: g(0), c: g(1), d: g(1), e: g(1), f: g(1), onlyB: g(0) });

  it("pairs items by id, leaves errored pairs out and lists regressions and improvements", () => {
    const result = compareGrader(a, b, "exact", { seed: 1 });
    expect(result).toMatchObject({ grader: "exact", n: 5, excluded: 1, onlyInA: 1, onlyInB: 1, meanA: 0.6, meanB: 0.8 });
    expect(result.regressed).toEqual(["b"]);
    expect(result.improved).toEqual(["c", "d"]);
    expect(result.mcnemar).toEqual(mcnemarExact(1, 2));
    expect(result.delta.mean).toBeCloseTo(0.2, 12);
    expect(result.delta.ci?.low).toBeLessThanOrEqual(0.2);
    expect(result.delta.ci?.high).toBeGreaterThanOrEqual(0.2);
    expect(result.delta.pValue).toBeGreaterThan(0);
  });

  it("leaves a pair out when either score is no finite number, as an errored one", () => {
    const withNaN = run({ a: g(1), b: g(1), c: g(0), d: g(0), e: g(1), f: { score: Number.NaN, passed: false }, onlyA: g(1) });
    const result = compareGrader(withNaN, b, "exact", { seed: 1 });
    expect(result).toMatchObject({ n: 5, excluded: 1, meanA: 0.6, meanB: 0.8 });
    expect(Number.isFinite(result.delta.mean)).toBe(true);
    expect(result.delta.ci?.low).not.toBeNaN();
  });

  it("is reproducible", () => {
    expect(compareGrader(a, b, "exact", { seed: 9 })).toEqual(compareGrader(a, b, "exact", { seed: 9 }));
  });

  it("compares every grader the two runs share", () => {
    expect(Object.keys(compareRuns(a, b))).toEqual(["exact"]);
  });

  it("finds a clear improvement significant", () => {
    const before = run(Object.fromEntries(Array.from({ length: 60 }, (_, i) => [String(i), g(i % 4 === 0 ? 1 : 0)])));
    const after = run(Object.fromEntries(Array.from({ length: 60 }, (_, i) => [String(i), g(i % 4 === 3 ? 0 : 1)])));
    const result = compareGrader(before, after, "exact");
    expect(result.improved).toHaveLength(30);
    expect(result.regressed).toHaveLength(0);
    expect(result.mcnemar.pValue).toBeLessThan(1e-6);
    expect(result.delta.pValue).toBeLessThan(0.01);
    expect(result.delta.ci?.low).toBeGreaterThan(0);
  });
});
