// The per-tag breakdown and the "both failed" list, checked against figures worked out by hand below; the intervals
// and p-values must be exactly what compare's own paired bootstrap gives on the same differences.
import { erroredGrade, type Grade, pairedBootstrap, type ScoredItem } from "@tunelab/evals";
import { describe, expect, it } from "vitest";
import { bothFailed, compareBreakdown } from "./compare-breakdown.ts";

// a similarity-like grader: pass threshold 0.5
const g = (score: number): Grade => ({ score, passed: score >= 0.5 });
const item = (item_id: string, tags: string[], sim: Grade): ScoredItem => ({
  item_id,
  tags,
  grades: { sim, other: { score: 1, passed: true } },
});

//  item  tags           A      B      A pass  B pass
//  1     billing        0.9    0.7    yes     yes
//  2     billing        0.2    0.6    no      yes    improved
//  3     billing, bug   0.4    0.3    no      no     both failed
//  4     billing, bug   0.8    0.45   yes     no     regressed
//  5     bug            0.1    0.2    no      no     both failed
//  6     bug            error  0.9    -       -      left out
//  10    (none)         0.3    0.1    no      no     both failed
const A = [
  item("1", ["billing"], g(0.9)),
  item("2", ["billing"], g(0.2)),
  item("3", ["billing", "bug"], g(0.4)),
  item("4", ["billing", "bug", "billing"], g(0.8)),
  item("5", ["bug"], g(0.1)),
  item("6", ["bug"], erroredGrade("other_error", "boom")),
  item("10", [], g(0.3)),
];
const B = [
  item("10", [], g(0.1)),
  item("1", ["billing"], g(0.7)),
  item("2", ["billing"], g(0.6)),
  item("3", ["billing", "bug"], g(0.3)),
  item("4", ["billing", "bug"], g(0.45)),
  item("5", ["bug"], g(0.2)),
  item("6", ["bug"], g(0.9)),
];

describe("compareBreakdown", () => {
  const result = compareBreakdown(A, B, "sim", { seed: 3 });

  it("gives each tag its pairs, both means and the mean paired delta (worked by hand)", () => {
    expect(result.grader).toBe("sim");
    expect(result.byTag.map((t) => t.tag)).toEqual(["billing", "bug"]);
    const [billing, bug] = result.byTag;
    // billing: items 1-4 (item 4's repeated tag counts once)
    expect(billing?.n).toBe(4);
    expect(billing?.meanA).toBeCloseTo((0.9 + 0.2 + 0.4 + 0.8) / 4, 12); // 0.575
    expect(billing?.meanB).toBeCloseTo((0.7 + 0.6 + 0.3 + 0.45) / 4, 12); // 0.5125
    expect(billing?.delta.mean).toBeCloseTo(-0.0625, 12);
    expect([billing?.regressed, billing?.improved, billing?.bothFailed]).toEqual([1, 1, 1]);
    // bug: items 3, 4, 5; item 6 errored in A and is left out
    expect(bug?.n).toBe(3);
    expect(bug?.meanA).toBeCloseTo(1.3 / 3, 12);
    expect(bug?.meanB).toBeCloseTo(0.95 / 3, 12);
    expect(bug?.delta.mean).toBeCloseTo(-0.35 / 3, 12);
    expect([bug?.regressed, bug?.improved, bug?.bothFailed]).toEqual([1, 0, 2]);
    expect(result.untagged).toBe(1);
  });

  it("takes the interval and p-value from compare's paired bootstrap on the tag's differences", () => {
    const [billing, bug] = result.byTag;
    expect(billing?.delta).toEqual(pairedBootstrap([0.7 - 0.9, 0.6 - 0.2, 0.3 - 0.4, 0.45 - 0.8], { seed: 3 }));
    expect(bug?.delta).toEqual(pairedBootstrap([0.3 - 0.4, 0.45 - 0.8, 0.2 - 0.1], { seed: 3 }));
    expect(billing?.delta.ci?.low).toBeLessThan(-0.0625);
    expect(billing?.delta.ci?.high).toBeGreaterThan(-0.0625);
    expect(billing?.delta.pValue).toBeGreaterThan(0.05); // four noisy pairs prove nothing
  });

  it("lists the items both runs failed, in id order, leaving errored pairs out", () => {
    expect(result.bothFailed).toEqual(["3", "5", "10"]);
    expect(bothFailed(A, B, "other")).toEqual([]);
    // an item B never graded is not "both failed"
    expect(bothFailed(A, B.slice(1), "sim")).toEqual(["3", "5"]);
  });

  it("finds a tag's clear improvement significant", () => {
    const before = Array.from({ length: 40 }, (_, i) => item(String(i), [i < 20 ? "easy" : "hard"], g(i < 20 ? 1 : 0)));
    const after = Array.from({ length: 40 }, (_, i) => item(String(i), [i < 20 ? "easy" : "hard"], g(1)));
    const [easy, hard] = compareBreakdown(before, after, "sim").byTag;
    expect(easy?.delta).toMatchObject({ n: 20, mean: 0 });
    expect(easy?.delta.pValue).toBe(1);
    expect(hard).toMatchObject({ n: 20, meanA: 0, meanB: 1, improved: 20, bothFailed: 0 });
    expect(hard?.delta.pValue).toBeLessThan(0.01);
  });

  it("is empty without a primary metric", () => {
    expect(compareBreakdown(A, B, null)).toEqual({ grader: null, byTag: [], untagged: 0, bothFailed: [] });
  });

  it("with trials, counts each item once and calls it failed when it passed in at most half its trials", () => {
    // item, trial scores on A, on B: "1" fails 2 of 3 on A (failed) and 3 of 3 on B (failed): both failed;
    // "2" passes 2 of 3 on A (passed); "3" fails on A, passes 2 of 2 on B; "4" passes 1 of 2 on A and 1 of 2 on B: a tie
    // is not a majority, so both failed
    const trials = (id: string, tags: string[], scores: number[]): ScoredItem[] =>
      scores.map((score, trial) => ({ item_id: id, trial, tags, grades: { sim: g(score) } }));
    const a = [
      ...trials("1", ["x"], [0.9, 0.1, 0.2]),
      ...trials("2", ["x"], [0.9, 0.8, 0.1]),
      ...trials("3", [], [0.1, 0.2, 0.3]),
      ...trials("4", ["x"], [0.9, 0.1]),
    ];
    const b = [...trials("1", ["x"], [0.1, 0.2, 0.3]), ...trials("3", [], [0.9, 0.9]), ...trials("4", ["x"], [0.1, 0.9])];
    expect(bothFailed(a, b, "sim")).toEqual(["1", "4"]);
    const result = compareBreakdown(a, b, "sim");
    expect(result.bothFailed).toEqual(["1", "4"]);
    expect(result.untagged).toBe(1);
    expect(result.byTag).toHaveLength(1);
    expect(result.byTag[0]).toMatchObject({ tag: "x", n: 2, bothFailed: 2 });
  });
});
