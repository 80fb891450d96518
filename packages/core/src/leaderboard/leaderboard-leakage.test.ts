// The leaderboard flags an experiment trained on a version that holds items of the board's test split (a version
// stored before the split keeps them): on a real SQLite workspace, against what `tunelab split` warned.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importDataset } from "../datasets/import-dataset.ts";
import { setTestSplit } from "../datasets/set-test-split.ts";
import { createExperiment } from "../experiments/create-experiment.ts";
import { saveGraderSet } from "../grader-sets/save-grader-set.ts";
import { samplesAtPassRate, scoreExperiment } from "../test-support/score-experiment.ts";
import { EXACT } from "../test-support/scored-project.ts";
import { chat, jsonl, tempWorkspace } from "../test-support/temp-workspace.ts";
import { leaderboard } from "./leaderboard.ts";

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
const question = (i: number) => `question ${i}`;
const test = (from: number, to: number) =>
  jsonl(Array.from({ length: to - from + 1 }, (_, i) => chat(question(from + i), `answer ${from + i}`)));
const training = (extra: string[]) =>
  jsonl([...Array.from({ length: 12 }, (_, i) => chat(`training ticket ${i}`, `training answer ${i}`)), ...extra.map((q) => chat(q, "x"))]);
const leakageOf = async (query: { testSplitVersionId?: string } = {}) =>
  Object.fromEntries((await leaderboard(ws, { project: "p", sort: "name", ...query })).rows.map((r) => [r.name, r.leakage]));

let firstSplit = "";
beforeAll(async () => {
  ws = await tempWorkspace();
  // train@1 holds three lines whose inputs become test items (questions 1, 2 and 3) when the split is set after it
  await importDataset(ws, { project: "p", dataset: "train", text: training([question(1), question(2), question(3)]), fileName: "a.jsonl" });
  const split = await setTestSplit(ws, { project: "p", text: test(1, 20), fileName: "test.jsonl" });
  if (split.status === "invalid") throw new Error("split refused");
  firstSplit = split.test.id;
  expect(split.trainingLeakage.map((l) => [l.version, l.exact.length])).toEqual([["train@1", 3]]);
  // train@2, imported after the split: the import leaves the test items out
  await importDataset(ws, { project: "p", dataset: "train", text: training([question(1), "a question of its own"]), fileName: "b.jsonl" });
  await saveGraderSet(ws, "p", { graders: [EXACT] });
  const experiment = async (name: string, dataset: string | undefined, rate: number) => {
    const { experiment } = await createExperiment(
      ws,
      dataset ? { project: "p", dataset, model: "local-tiny", name } : { project: "p", model: "local-tiny", method: "none", name },
    );
    await scoreExperiment(ws, experiment.id, samplesAtPassRate(20, rate));
  };
  await experiment("leaky", "train@1", 0.9);
  await experiment("clean", "train@2", 0.7);
  await experiment("base", undefined, 0.3);
  await createExperiment(ws, { project: "p", dataset: "train@1", model: "local-tiny", name: "leaky-unscored", seed: 7 });
});
afterAll(async () => ws.dispose());

describe("leaderboard leakage flag", () => {
  it("flags the rows trained on a version holding test items, with how many and which split; not the others", async () => {
    expect(await leakageOf()).toEqual({
      base: null,
      clean: null,
      leaky: { testSplit: "test@1", examples: 3 },
      "leaky-unscored": { testSplit: "test@1", examples: 3 },
    });
  });

  it("follows the board's test split: a new split without those items clears the flag, the old board keeps it", async () => {
    // test@2 holds questions 3..22: train@1 keeps one of its items, train@2 none
    const split = await setTestSplit(ws, { project: "p", text: test(3, 22), fileName: "test2.jsonl" });
    if (split.status === "invalid") throw new Error("split refused");
    expect(split.trainingLeakage.map((l) => [l.version, l.exact.length])).toEqual([["train@1", 1]]);
    // the scored runs are on test@1 (listed apart now); the unscored experiment is on the current board only (it will
    // be scored on test@2)
    expect(await leakageOf()).toEqual({ "leaky-unscored": { testSplit: "test@2", examples: 1 } });
    expect(await leakageOf({ testSplitVersionId: firstSplit })).toEqual({
      base: null,
      clean: null,
      leaky: { testSplit: "test@1", examples: 3 },
    });
  });
});
