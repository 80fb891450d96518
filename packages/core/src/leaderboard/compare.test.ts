// compare() on a real SQLite workspace, with runs stored as the eval runner stores them (no model trained): the
// per-grader paired deltas, their intervals and p-values and McNemar's test, checked against figures computed apart in
// Python (stats_reference.py → stats.fixture.json, which also declares both runs' scores), the items that moved on the
// primary metric with their inputs and outputs, what differs in the two experiments' setup, and the refusals.
import { readFileSync } from "node:fs";
import { erroredGrade, type Grade, type GraderConfig } from "@tunelab/evals";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setTestSplit } from "../datasets/set-test-split.ts";
import { createExperiment } from "../experiments/create-experiment.ts";
import { saveGraderSet } from "../grader-sets/save-grader-set.ts";
import { type SeededSample, scoreExperiment } from "../test-support/score-experiment.ts";
import { EXACT, SIM, seedScoredProject, testAnswer, testQuestion, untrainedExperiment } from "../test-support/scored-project.ts";
import { chat, jsonl, tempWorkspace } from "../test-support/temp-workspace.ts";
import { compare } from "./compare.ts";

interface ReferenceGrader {
  n: number;
  excluded: number;
  meanA: number;
  meanB: number;
  delta: { n: number; mean: number; ci: { low: number; high: number }; pValue: number };
  mcnemarP: number;
  regressed: string[];
  improved: string[];
}
type RunScores = Record<"exact" | "sim", Array<number | null>>;
const reference = JSON.parse(readFileSync(new URL("./stats.fixture.json", import.meta.url), "utf8")).compare as {
  runs: { a: RunScores; b: RunScores };
  graders: Record<"exact" | "sim", ReferenceGrader>;
};

/** A run's samples from the fixture's scores: `exact` passes at 1, `sim` at 0.5, null is an errored grade. */
function samples(scores: RunScores): SeededSample[] {
  return scores.exact.map((exact, i) => {
    const id = String(i + 1);
    const sim = scores.sim[i] ?? null;
    const grades: Record<string, Grade> = {
      exact: exact === null ? erroredGrade("other_error", "boom") : { score: exact, passed: exact === 1 },
      sim: sim === null ? erroredGrade("other_error", "boom") : { score: sim, passed: sim >= 0.5 },
    };
    return { itemId: id, grades, output: exact === 1 ? testAnswer(id) : `wrong ${id}` };
  });
}

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
const ids = { a: "", b: "", runA: "", runB: "", unscored: "" };
beforeAll(async () => {
  ws = await tempWorkspace();
  await seedScoredProject(ws, { project: "p", items: 12, graders: [EXACT, SIM] });
  ids.a = await untrainedExperiment(ws, "p", "before", 1);
  ids.b = (
    await createExperiment(ws, {
      project: "p",
      dataset: "train@1",
      model: "local-tiny",
      name: "after",
      seed: 2,
      hyperparameters: { n_epochs: 3 },
    })
  ).experiment.id;
  ids.runA = await scoreExperiment(ws, ids.a, samples(reference.runs.a));
  ids.runB = await scoreExperiment(ws, ids.b, samples(reference.runs.b));
  ids.unscored = await untrainedExperiment(ws, "p", "unscored", 3);
});
afterAll(async () => ws.dispose());

describe("compare", () => {
  it("gives each grader's paired delta, interval, p-value and McNemar test as computed apart in Python", async () => {
    const result = await compare(ws, ids.a, ids.b);
    expect(Object.keys(result.graders)).toEqual(["exact", "sim"]);
    for (const name of ["exact", "sim"] as const) {
      const got = result.graders[name];
      const want = reference.graders[name];
      expect(got?.n, name).toBe(want.n);
      expect(got?.excluded, name).toBe(want.excluded);
      expect(got?.meanA, name).toBeCloseTo(want.meanA, 12);
      expect(got?.meanB, name).toBeCloseTo(want.meanB, 12);
      expect(got?.delta.n, name).toBe(want.delta.n);
      expect(got?.delta.mean, name).toBeCloseTo(want.delta.mean, 12);
      expect(got?.delta.ci?.low, name).toBeCloseTo(want.delta.ci.low, 12);
      expect(got?.delta.ci?.high, name).toBeCloseTo(want.delta.ci.high, 12);
      expect(got?.delta.pValue, name).toBeCloseTo(want.delta.pValue, 12);
      expect(got?.mcnemar.pValue, name).toBeCloseTo(want.mcnemarP, 12);
      expect(got?.regressed, name).toEqual(want.regressed);
      expect(got?.improved, name).toEqual(want.improved);
    }
    // the errored `sim` grade of item 7 leaves that pair out of `sim` only
    expect(result.graders.sim?.excluded).toBe(1);
    expect(result.graders.exact?.excluded).toBe(0);
  });

  it("lists the items that moved on the primary metric, with the item's input, reference and both outputs", async () => {
    const result = await compare(ws, ids.a, ids.b);
    expect(result.primaryMetric).toBe("exact");
    // `sim` also regressed item 12 and improved item 5; the lists follow the primary metric only
    expect(result.regressed.map((item) => item.itemId)).toEqual(reference.graders.exact.regressed);
    expect(result.improved.map((item) => item.itemId)).toEqual(reference.graders.exact.improved);
    expect(result.regressed[0]).toEqual({
      itemId: "2",
      input: testQuestion("2"),
      reference: testAnswer("2"),
      outputA: testAnswer("2"),
      outputB: "wrong 2",
      gradesA: { exact: { score: 1, passed: true }, sim: { score: 0.8, passed: true } },
      gradesB: { exact: { score: 0, passed: false }, sim: { score: 0.4, passed: false } },
    });
    expect(result.bothFailed.map((item) => item.itemId)).toEqual(["5"]);
  });

  it("names both sides and what differs in their setup", async () => {
    const result = await compare(ws, ids.a, ids.b);
    expect(result.a).toEqual({ label: "before", runId: ids.runA, experimentId: ids.a, model: "local-tiny", method: "supervised" });
    expect(result.b).toMatchObject({ label: "after", runId: ids.runB, experimentId: ids.b });
    expect(result.hyperparameters).toEqual([
      { key: "seed", a: 1, b: 2 },
      { key: "n_epochs", a: "auto", b: 3 },
    ]);
    expect(result.dataset).toEqual({ a: "train@1", b: "train@1", added: 0, removed: 0 });
  });

  it("takes eval run ids as well as experiment ids, and B against A is the mirror image", async () => {
    const byRun = await compare(ws, ids.runA, ids.runB);
    expect(byRun.graders).toEqual((await compare(ws, ids.a, ids.b)).graders);
    const reverse = await compare(ws, ids.b, ids.a);
    expect(reverse.graders.exact?.delta.mean).toBeCloseTo(-reference.graders.exact.delta.mean, 12);
    expect(reverse.regressed.map((item) => item.itemId)).toEqual(reference.graders.exact.improved);
    expect(reverse.improved.map((item) => item.itemId)).toEqual(reference.graders.exact.regressed);
  });

  it("refuses an unknown reference, an experiment not scored yet, and runs on different test splits", async () => {
    await expect(compare(ws, ids.a, "nope")).rejects.toMatchObject({ code: "not_found", message: expect.stringContaining('"nope"') });
    await expect(compare(ws, ids.unscored, ids.a)).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringContaining("no eval run"),
    });
    // a new test split version: a run scored on it is not comparable with runs on the old one
    const items = Array.from({ length: 12 }, (_, i) => chat(`new question ${i + 1}`, `new answer ${i + 1}`));
    expect((await setTestSplit(ws, { project: "p", text: jsonl(items), fileName: "test2.jsonl" })).status).toBe("created");
    const later = await untrainedExperiment(ws, "p", "later", 4);
    await scoreExperiment(ws, later, samples(reference.runs.b));
    await expect(compare(ws, ids.a, later)).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringMatching(/different test split versions \(\S+ on test@1, \S+ on test@2\); their scores are not comparable/),
    });
  });

  it("refuses runs scored with different grader sets, though the graders keep their names", async () => {
    const ws2 = await tempWorkspace();
    try {
      await seedScoredProject(ws2, { project: "q", items: 12 });
      const before = await untrainedExperiment(ws2, "q", "before", 1);
      await scoreExperiment(ws2, before, samples(reference.runs.a));
      // graders@2: `exact` now ignores case; a run scored with it is not comparable with one scored with graders@1
      await saveGraderSet(ws2, "q", { graders: [{ ...EXACT, operation: "ilike" } as GraderConfig] });
      const after = await untrainedExperiment(ws2, "q", "after", 2);
      await scoreExperiment(ws2, after, samples(reference.runs.b));
      await expect(compare(ws2, before, after)).rejects.toMatchObject({
        code: "conflict",
        message: expect.stringMatching(/different grader sets \(\S+ on graders@1, \S+ on graders@2\); their scores are not comparable/),
      });
    } finally {
      await ws2.dispose();
    }
  });
});
