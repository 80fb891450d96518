import { describe, expect, it } from "vitest";
import type { Grade } from "../grade.ts";
import { compareGrader } from "./compare.ts";
import type { ScoredItem } from "./scored-item.ts";
import { summarizeGraders, summarizeTrialGrades } from "./summary.ts";
import fixture from "./trials.fixture.json" with { type: "json" };
import {
  itemTrialStats,
  meanOfItemMeans,
  pairedTwoLevelBootstrap,
  twoLevelBootstrapMeans,
  twoLevelBootstrapVariance,
  twoLevelMeanInterval,
} from "./trials.ts";

// Reference values: trials_reference.py beside this file (Python + numpy, a separate port of mulberry32 and of the
// documented draw order, np.percentile; the closed-form variance is checked there against numpy's own generator).
const byName = (name: string) => {
  const found = fixture.cases.find((c) => c.name === name);
  if (!found) throw new Error(`no case ${name}`);
  return found;
};

describe("two-level bootstrap", () => {
  it.each(["flaky", "steady", "uneven"])("matches the numpy reference on %s", (name) => {
    const c = byName(name);
    expect(meanOfItemMeans(c.groups)).toBeCloseTo(c.mean, 12);
    const ci = twoLevelMeanInterval(c.groups, { seed: c.seed });
    expect(ci?.low).toBeCloseTo(c.low, 12);
    expect(ci?.high).toBeCloseTo(c.high, 12);
    expect(twoLevelBootstrapVariance(c.groups)).toBeCloseTo(c.closedFormVariance, 14);
  });

  it("resamples with the variance of the closed form (items and trials), within Monte Carlo error", () => {
    for (const name of ["flaky", "uneven"]) {
      const c = byName(name);
      const means = twoLevelBootstrapMeans(c.groups, { seed: 1, resamples: 40_000 });
      const m = means.reduce((s, v) => s + v, 0) / means.length;
      const variance = means.reduce((s, v) => s + (v - m) ** 2, 0) / means.length;
      // the variance of a 40k-resample variance estimate is about 2σ⁴/B: 1% relative standard error
      expect(Math.abs(variance - c.closedFormVariance) / c.closedFormVariance).toBeLessThan(0.04);
    }
  });

  it("widens with trial variance: same item means, with and without disagreement between trials", () => {
    const flaky = byName("flaky");
    const steady = byName("steady");
    expect(meanOfItemMeans(flaky.groups)).toBeCloseTo(meanOfItemMeans(steady.groups), 12);
    const wide = twoLevelMeanInterval(flaky.groups, { seed: 5 });
    const narrow = twoLevelMeanInterval(steady.groups, { seed: 5 });
    if (!wide || !narrow) throw new Error("no interval");
    expect(wide.high - wide.low).toBeGreaterThan(1.15 * (narrow.high - narrow.low));
    expect(twoLevelBootstrapVariance(flaky.groups)).toBeGreaterThan(twoLevelBootstrapVariance(steady.groups));
  });

  it("matches the numpy reference for a paired comparison with unequal trials", () => {
    const [p] = fixture.pairs;
    if (!p) throw new Error("no pair case");
    const pairs = p.a.map((a, i) => ({ a, b: p.b[i] ?? [] }));
    const delta = pairedTwoLevelBootstrap(pairs, { seed: p.seed });
    expect(delta.n).toBe(pairs.length);
    expect(delta.mean).toBeCloseTo(p.mean, 12);
    expect(delta.ci?.low).toBeCloseTo(p.low, 12);
    expect(delta.ci?.high).toBeCloseTo(p.high, 12);
    expect(delta.pValue).toBeCloseTo(p.pValue, 12);
  });

  it("handles empty input", () => {
    expect(twoLevelMeanInterval([])).toBeNull();
    expect(twoLevelMeanInterval([[], []])).toBeNull();
    expect(pairedTwoLevelBootstrap([{ a: [], b: [1] }])).toEqual({ n: 0, mean: null, ci: null, pValue: null });
  });

  it("never calls one changed item significant, however many trials it had", () => {
    // item 1 failed all 5 trials in A and passed all 5 in B; item 2 is unchanged: the bootstrap alone said p = 1/2001
    const pairs = [
      { a: [0, 0, 0, 0, 0], b: [1, 1, 1, 1, 1] },
      { a: [1, 1, 1], b: [1, 1, 1] },
    ];
    expect(pairedTwoLevelBootstrap(pairs)).toMatchObject({ n: 2, mean: 0.5, pValue: 1 });
  });
});

describe("per-item trial figures", () => {
  it("gives pass rate, mean and sample variance", () => {
    expect(itemTrialStats([1, 0, 1, 1], 3)).toEqual({ trials: 4, passed: 3, passRate: 0.75, mean: 0.75, variance: 0.25 });
    expect(itemTrialStats([0.5], 0)).toEqual({ trials: 1, passed: 0, passRate: 0, mean: 0.5, variance: null });
    expect(itemTrialStats([], 0).mean).toBeNull();
  });
});

const grade = (score: number, status: "passed" | "failed" | "errored" = score >= 0.5 ? "passed" : "failed"): Grade =>
  status === "errored"
    ? { score: 0, passed: false, error: { type: "other_error", message: "boom" } }
    : { score, passed: status === "passed" };

function trialItems(groups: readonly (readonly number[])[], grader = "g"): ScoredItem[] {
  return groups.flatMap((scores, i) => scores.map((s, trial) => ({ item_id: `i${i}`, trial, grades: { [grader]: grade(s) } })));
}

describe("summaries and comparisons of runs with trials", () => {
  it("summarizes item-weighted, counts flaky items and ignores errored trials", () => {
    const items: ScoredItem[] = [
      ...trialItems([
        [1, 1, 0],
        [0, 0, 0],
        [1, 1, 1],
      ]),
      { item_id: "i1", trial: 3, grades: { g: grade(0, "errored") } },
    ];
    const summary = summarizeGraders(items, { seed: 2 }).g;
    expect(summary?.n).toBe(9);
    expect(summary?.errored).toBe(1);
    expect(summary?.mean).toBeCloseTo((2 / 3 + 0 + 1) / 3, 12);
    expect(summary?.passRate).toBeCloseTo((2 / 3 + 0 + 1) / 3, 12);
    expect(summary?.trials).toMatchObject({ perItem: 3, items: 3, flaky: 1 });
    expect(summary?.trials?.withinVariance).toBeCloseTo((1 / 3 + 0 + 0) / 3, 12);
    expect(summary?.ci.mean).toEqual(
      twoLevelMeanInterval(
        [
          [1, 1, 0],
          [0, 0, 0],
          [1, 1, 1],
        ],
        { seed: 2 },
      ),
    );
  });

  it("keeps the single-trial path unchanged when every item appears once", () => {
    const once = trialItems([[1], [0], [1]]);
    expect(summarizeGraders(once).g?.trials).toBeUndefined();
    expect(summarizeTrialGrades([[grade(1)], [grade(0)]]).trials?.perItem).toBe(1);
  });

  it("compares runs with trials by majority pass and a two-level paired delta", () => {
    const a = trialItems([
      [1, 1, 0],
      [0, 0, 1],
      [1, 1, 1],
    ]);
    const b = trialItems([
      [0, 0, 1],
      [1, 1, 0],
      [1, 1, 1],
      [1, 1, 1],
    ]);
    const result = compareGrader(a, b, "g", { seed: 3 });
    expect(result.n).toBe(3);
    expect(result.onlyInB).toBe(1);
    expect(result.trials).toEqual({ a: 3, b: 3 });
    expect(result.regressed).toEqual(["i0"]);
    expect(result.improved).toEqual(["i1"]);
    expect(result.delta.mean).toBeCloseTo(0, 12);
    expect(result.delta).toEqual(
      pairedTwoLevelBootstrap(
        [
          { a: [1, 1, 0], b: [0, 0, 1] },
          { a: [0, 0, 1], b: [1, 1, 0] },
          { a: [1, 1, 1], b: [1, 1, 1] },
        ],
        { seed: 3 },
      ),
    );
  });
});
