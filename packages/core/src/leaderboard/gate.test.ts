// The CI gate on a real SQLite workspace, with runs stored as the eval runner stores them (no model trained): max-drop
// against a baseline (`best` on the run's own board, a named experiment, an eval run), failing only on a drop that is
// both larger than allowed and significant; min-score and max-errored; what it reports (the baseline, the comparison,
// the errored and flaky items); and the edge cases: no baseline yet, a baseline with no run, a run not finished, a run
// on another grader set.
import { erroredGrade } from "@tunelab/evals";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { updateEvalRun } from "../eval-runs/eval-run.repository.ts";
import { saveGraderSet } from "../grader-sets/save-grader-set.ts";
import { type SeededSample, samplesAtPassRate, scoreExperiment } from "../test-support/score-experiment.ts";
import { EXACT, SIM, seedScoredProject, untrainedExperiment } from "../test-support/scored-project.ts";
import { tempWorkspace } from "../test-support/temp-workspace.ts";
import { regressionGate } from "./gate.ts";

const ITEMS = 40;
/** The mean of a seeded run on `exact`: its share of passed items. */
const meanOf = (samples: readonly SeededSample[]) => samples.filter((s) => s.grades.exact?.passed).length / samples.length;

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
const exp: Record<string, string> = {};
const run: Record<string, string> = {};
const scored = async (project: string, name: string, seed: number, samples: SeededSample[], trials?: number) => {
  exp[name] = await untrainedExperiment(ws, project, name, seed);
  run[name] = await scoreExperiment(ws, exp[name] as string, samples, trials === undefined ? {} : { trials });
};
const GOOD = samplesAtPassRate(ITEMS, 0.9);
const OK = samplesAtPassRate(ITEMS, 0.85);
const BAD = samplesAtPassRate(ITEMS, 0.4);

beforeAll(async () => {
  ws = await tempWorkspace();
  await seedScoredProject(ws, { project: "g", items: ITEMS });
  await scored("g", "good", 1, GOOD);
  await scored("g", "ok", 2, OK);
  await scored("g", "bad", 3, BAD);
  exp.unscored = await untrainedExperiment(ws, "g", "unscored", 4);
});
afterAll(async () => ws.dispose());

describe("max-drop against a baseline", () => {
  it("fails a large, significant drop below the best run, and reports the baseline, the comparison and why", async () => {
    const result = await regressionGate(ws, run.bad as string, { project: "g", baseline: "best", maxDrop: 0.05 });
    expect(result.passed).toBe(false);
    expect(result.primaryMetric).toBe("exact");
    expect(result.score).toBeCloseTo(meanOf(BAD), 12);
    expect(result.baseline).toEqual({ runId: run.good, label: "good", score: expect.closeTo(meanOf(GOOD), 12) });
    expect(result.comparison?.a.label).toBe("good");
    expect(result.comparison?.b.label).toBe("bad");
    const drop = meanOf(GOOD) - meanOf(BAD);
    expect(drop).toBeGreaterThan(0.4);
    const exact = result.comparison?.graders.exact;
    expect(exact?.delta.mean).toBeCloseTo(-drop, 12);
    expect(exact?.delta.pValue).toBeLessThan(0.001);
    expect(result.comparison?.regressed).toHaveLength(Math.round(drop * ITEMS));
    expect(result.checks).toEqual([
      {
        gate: "max-drop",
        passed: false,
        detail: `exact changed -${drop.toFixed(4)} vs baseline (95% CI ${exact?.delta.ci?.low.toFixed(4)}..${exact?.delta.ci?.high.toFixed(4)}, p=<0.001); allowed drop 0.05 at p<0.05`,
      },
    ]);
  });

  it("passes a drop larger than allowed that is not significant (noise alone never fails), unless the level allows it", async () => {
    const drop = meanOf(GOOD) - meanOf(OK);
    expect(drop).toBeGreaterThan(0.01);
    const noisy = await regressionGate(ws, run.ok as string, { project: "g", baseline: "best", maxDrop: 0.01 });
    expect(noisy.baseline?.label).toBe("good");
    const p = noisy.comparison?.graders.exact?.delta.pValue ?? 0;
    expect(p).toBeGreaterThan(0.05);
    expect(noisy.checks).toEqual([
      { gate: "max-drop", passed: true, detail: expect.stringContaining(`exact changed -${drop.toFixed(4)} vs baseline`) },
    ]);
    expect(noisy.checks[0]?.detail).toContain(`p=${p.toFixed(3)}); allowed drop 0.01 at p<0.05`);
    expect(noisy.passed).toBe(true);
    // at significance 1 every drop counts
    const strict = await regressionGate(ws, run.ok as string, { project: "g", baseline: "best", maxDrop: 0.01, significance: 1 });
    expect(strict.passed).toBe(false);
    expect(strict.checks[0]?.detail).toContain("allowed drop 0.01 at p<1");
    // a significant drop within the allowed one passes
    const lenient = await regressionGate(ws, run.bad as string, { project: "g", baseline: "best", maxDrop: 0.6 });
    expect(lenient.passed).toBe(true);
  });

  it("takes a named experiment or an eval run as the baseline", async () => {
    const named = await regressionGate(ws, run.bad as string, { project: "g", baseline: exp.ok as string, maxDrop: 0.05 });
    expect(named.baseline).toEqual({ runId: run.ok, label: "ok", score: expect.closeTo(meanOf(OK), 12) });
    expect(named.passed).toBe(false);
    const byRun = await regressionGate(ws, run.good as string, { project: "g", baseline: run.bad as string, maxDrop: 0 });
    expect(byRun.baseline?.runId).toBe(run.bad);
    expect(byRun.passed).toBe(true); // an improvement
    expect(byRun.checks[0]?.detail).toMatch(/^exact changed \+0\.\d{4} vs baseline/);
  });

  it("leaves the run itself out of `best`: the best run is gated against the next best", async () => {
    const result = await regressionGate(ws, run.good as string, { project: "g", baseline: "best", maxDrop: 0 });
    expect(result.baseline?.label).toBe("ok");
    expect(result.passed).toBe(true);
  });

  it("refuses a baseline experiment with no eval run, an unknown baseline, and a run that has not completed", async () => {
    await expect(
      regressionGate(ws, run.bad as string, { project: "g", baseline: exp.unscored as string, maxDrop: 0.05 }),
    ).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringContaining("has no eval run yet"),
    });
    await expect(regressionGate(ws, run.bad as string, { project: "g", baseline: "nope", maxDrop: 0.05 })).rejects.toMatchObject({
      code: "not_found",
    });
    await scored("g", "running", 5, OK);
    await updateEvalRun(ws.db, run.running as string, { status: "running" });
    await expect(regressionGate(ws, run.running as string, { project: "g" })).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringContaining("is running, not completed"),
    });
  });
});

describe("edge cases", () => {
  it("with nothing else on the board, skips max-drop and passes; without a baseline, checks nothing", async () => {
    await seedScoredProject(ws, { project: "solo", items: ITEMS });
    await scored("solo", "only", 1, BAD);
    const result = await regressionGate(ws, run.only as string, { project: "solo", baseline: "best", maxDrop: 0 });
    expect(result).toMatchObject({ passed: true, baseline: null, comparison: null });
    expect(result.checks).toEqual([
      {
        gate: "max-drop",
        passed: true,
        skipped: true,
        detail: "no baseline to compare with yet (nothing on the leaderboard); skipped",
      },
    ]);
    const bare = await regressionGate(ws, run.only as string, { project: "solo" });
    expect(bare).toMatchObject({ passed: true, checks: [], baseline: null, comparison: null, flaky: null });
  });

  it("across grader sets: `best` comes from the run's own board; a baseline scored with other graders is refused", async () => {
    await seedScoredProject(ws, { project: "h", items: ITEMS });
    await scored("h", "v1-good", 1, GOOD);
    await scored("h", "v1-bad", 2, BAD);
    // graders@2 ranks by `sim`; a run scored with it, its samples graded by both graders
    await saveGraderSet(ws, "h", { graders: [SIM, EXACT], primaryMetric: "sim" });
    await scored(
      "h",
      "v2",
      3,
      GOOD.map((s) => ({ ...s, grades: { ...s.grades, sim: { score: 1, passed: true } } })),
    );
    // an old run's `best` is the best of its own board (graders@1), not of the current one
    const old = await regressionGate(ws, run["v1-bad"] as string, { project: "h", baseline: "best", maxDrop: 0.05 });
    expect(old.baseline?.label).toBe("v1-good");
    expect(old.primaryMetric).toBe("exact");
    expect(old.passed).toBe(false);
    // the new run is alone on graders@2's board
    const alone = await regressionGate(ws, run.v2 as string, { project: "h", baseline: "best", maxDrop: 0.05 });
    expect(alone.baseline).toBeNull();
    expect(alone.checks[0]?.passed).toBe(true);
    // a run of graders@1 named as the baseline is refused, naming both grader sets: scores under other graders (even a
    // grader of the same name, whose check may have changed) are not comparable
    await expect(
      regressionGate(ws, run.v2 as string, { project: "h", baseline: exp["v1-good"] as string, maxDrop: 0.05 }),
    ).rejects.toMatchObject({ code: "conflict", message: expect.stringContaining("on graders@1, ") });
    await expect(regressionGate(ws, run.v2 as string, { project: "h", baseline: run["v1-good"] as string })).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringMatching(/different grader sets \(\S+ on graders@1, \S+ on graders@2\)/),
    });
  });
});

describe("min-score, max-errored, errored and flaky items", () => {
  it("checks the minimum score and the share of errored items, naming the first errored items and why", async () => {
    const samples = samplesAtPassRate(ITEMS, 0.9).map((s, i) =>
      i === 3 || i === 7 ? { ...s, grades: { exact: erroredGrade("other_error", `boom ${i}`) } } : s,
    );
    await scored("g", "errs", 6, samples);
    const result = await regressionGate(ws, run.errs as string, { project: "g", minScore: 0.5, maxErrored: 0.01 });
    const score = result.score ?? Number.NaN;
    expect(result.checks).toEqual([
      { gate: "min-score", passed: true, detail: `exact ${score.toFixed(4)} ≥ minimum 0.5` },
      { gate: "max-errored", passed: false, detail: "2 of 40 items errored (5%) > allowed 1%" },
    ]);
    expect(result.passed).toBe(false);
    expect(result.errors).toEqual({
      count: 2,
      first: [
        { itemId: "item-3", reason: "grader exact other_error: boom 3" },
        { itemId: "item-7", reason: "grader exact other_error: boom 7" },
      ],
    });
    const within = await regressionGate(ws, run.errs as string, { project: "g", minScore: 0.99, maxErrored: 0.05 });
    expect(within.checks.map((c) => [c.gate, c.passed])).toEqual([
      ["min-score", false],
      ["max-errored", true],
    ]);
    expect(within.checks[0]?.detail).toBe(`exact ${score.toFixed(4)} < minimum 0.99`);
    expect(within.checks[1]?.detail).toBe("2 of 40 items errored (5%) ≤ allowed 5%");
  });

  it("with trials, names the items most split between passing and failing", async () => {
    // 3 trials of 4 items: item-0 passes 1 of 3, item-1 2 of 3, item-2 all, item-3 none
    const passes = [1, 2, 3, 0];
    const samples = passes.flatMap((k, item) =>
      [0, 1, 2].map((trial) => ({ itemId: `item-${item}`, trial, grades: { exact: { score: trial < k ? 1 : 0, passed: trial < k } } })),
    );
    await scored("g", "trials", 7, samples, 3);
    const result = await regressionGate(ws, run.trials as string, { project: "g" });
    expect(result.flaky?.count).toBe(2);
    expect(new Set(result.flaky?.first)).toEqual(
      new Set([
        { itemId: "item-0", passed: 1, trials: 3 },
        { itemId: "item-1", passed: 2, trials: 3 },
      ]),
    );
  });
});
