import { describe, expect, it } from "vitest";
import { erroredGrade, type Grade } from "../grade.ts";
import type { ScoredItem } from "./scored-item.ts";
import { sliceByTag, summarizeByTag } from "./slice.ts";
import { GraderSummary } from "./summary.schema.ts";
import { summarizeGraders, summarizeGrades, summarizeTrialGrades } from "./summary.ts";
import { wilsonInterval } from "./wilson.ts";

const pass = (score = 1): Grade => ({ score, passed: true });
const fail = (score = 0): Grade => ({ score, passed: false });

describe("summarizeGrades", () => {
  it("counts errored grades apart and leaves them out of mean and pass rate", () => {
    const summary = summarizeGrades([pass(), pass(0.8), fail(0.2), erroredGrade("other_error", "boom")]);
    expect(summary).toMatchObject({ n: 3, passed: 2, failed: 1, errored: 1 });
    expect(summary.mean).toBeCloseTo(2 / 3, 12);
    expect(summary.passRate).toBeCloseTo(2 / 3, 12);
    expect(summary.ci.passRate).toEqual(wilsonInterval(2, 3));
    expect(summary.ci.mean?.low).toBeLessThanOrEqual(summary.mean ?? 0);
  });

  it("counts a score that is not a finite number as errored, so the summary keeps its schema", () => {
    // a grader that divided by zero: before, mean was NaN and the interval {low: NaN, high: NaN} (null in JSON)
    const summary = summarizeGrades([pass(), fail(0.5), { score: Number.NaN, passed: true }, { score: Infinity, passed: false }]);
    expect(summary).toMatchObject({ n: 2, passed: 1, failed: 1, errored: 2, mean: 0.75, passRate: 0.5 });
    expect(Number.isFinite(summary.ci.mean?.low)).toBe(true);
    expect(Number.isFinite(summary.ci.mean?.high)).toBe(true);
    expect(GraderSummary.parse(summary)).toEqual(summary);
    const onlyNaN = summarizeGrades([{ score: Number.NaN, passed: false }]);
    expect(onlyNaN).toEqual({ n: 0, passed: 0, failed: 0, errored: 1, mean: null, passRate: null, ci: { mean: null, passRate: null } });
    // the trials path too
    const trials = summarizeTrialGrades([[pass(), { score: Number.NaN, passed: true }], [fail()]]);
    expect(trials).toMatchObject({ n: 2, errored: 1, mean: 0.5 });
    expect(GraderSummary.parse(trials)).toEqual(trials);
  });

  it("has null figures when every grade errored", () => {
    const summary = summarizeGrades([erroredGrade("other_error", "x")]);
    expect(summary).toEqual({ n: 0, passed: 0, failed: 0, errored: 1, mean: null, passRate: null, ci: { mean: null, passRate: null } });
  });
});

const items: ScoredItem[] = [
  { item_id: "1", tags: ["billing", "short"], grades: { exact: pass(), len: pass() } },
  { item_id: "2", tags: ["billing"], grades: { exact: fail(), len: pass() } },
  { item_id: "3", tags: ["account"], grades: { exact: pass(), len: erroredGrade("other_error", "x") } },
  { item_id: "4", grades: { exact: fail(), len: fail() } },
];

describe("summarizeGraders and slices", () => {
  it("summarizes each grader", () => {
    const summaries = summarizeGraders(items);
    expect(Object.keys(summaries)).toEqual(["exact", "len"]);
    expect(summaries.exact).toMatchObject({ n: 4, passed: 2, failed: 2, errored: 0, passRate: 0.5 });
    expect(summaries.len).toMatchObject({ n: 3, passed: 2, failed: 1, errored: 1 });
  });

  it("slices by tag, an item in each of its tags, untagged items in none", () => {
    const slices = sliceByTag(items);
    expect(Object.keys(slices)).toEqual(["account", "billing", "short"]);
    expect(slices.billing?.map((item) => item.item_id)).toEqual(["1", "2"]);
    const byTag = summarizeByTag(items);
    expect(byTag.billing?.exact).toMatchObject({ n: 2, passed: 1, passRate: 0.5 });
    expect(byTag.account?.len).toMatchObject({ n: 0, errored: 1, passRate: null });
  });
});
