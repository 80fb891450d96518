// GET /api/compare on the real API app: the per-tag breakdown on the primary metric and the items both runs failed,
// on runs written through core (no training) whose samples carry each test item's tags as the eval runner records
// them, given both ways a test line can (`tags` and `metadata.tags`). Intervals and p-values are compare's paired
// bootstrap on each tag's differences.
import {
  createExperiment,
  getProjectByName,
  getVersionByRef,
  importDataset,
  type ProjectId,
  saveGraderSet,
  setTestSplit,
  testItems,
} from "@tunelab/core";
import { pairedBootstrap } from "@tunelab/evals";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scoreExperiment } from "../../../packages/core/src/test-support/score-experiment.ts";
import { apiHarness } from "./api-harness.ts";

let h: Awaited<ReturnType<typeof apiHarness>>;
const ITEMS = 8;
// items 1-4 "short" (as `tags`), 5-8 "long" (as `metadata.tags`); A passes 1, 2, 5; B passes 1, 3, 5, 6
const tagOf = (i: number) => (i <= 4 ? "short" : "long");
const PASS_A = new Set([1, 2, 5]);
const PASS_B = new Set([1, 3, 5, 6]);
const line = (i: number) =>
  JSON.stringify({
    messages: [
      { role: "user", content: `ticket ${i}` },
      { role: "assistant", content: "billing" },
    ],
    ...(i <= 4 ? { tags: [tagOf(i)] } : { metadata: { tags: [tagOf(i)] } }),
  });
let ids: { a: string; b: string };

beforeAll(async () => {
  h = await apiHarness();
  await setTestSplit(h.ws, {
    project: "p",
    fileName: "test.jsonl",
    text: `${Array.from({ length: ITEMS }, (_, i) => line(i + 1)).join("\n")}\n`,
  });
  await saveGraderSet(h.ws, "p", {
    graders: [{ type: "string_check", name: "exact", input: "{{sample.output_text}}", reference: "{{item.reference}}", operation: "eq" }],
  });
  const train = Array.from({ length: 20 }, (_, i) =>
    JSON.stringify({
      messages: [
        { role: "user", content: `training ${i}` },
        { role: "assistant", content: "bug" },
      ],
    }),
  );
  await importDataset(h.ws, { project: "p", dataset: "train", text: `${train.join("\n")}\n`, fileName: "train.jsonl" });
  const project = await getProjectByName(h.ws.db, "p");
  const split = (await getVersionByRef(h.ws.db, project.id as ProjectId, "test@1")).id;
  // the tags the eval runner records: each item's, as read from its test line
  const items = await testItems(h.ws, split);
  expect(items.map((item) => item.tags)).toEqual(Array.from({ length: ITEMS }, (_, i) => [tagOf(i + 1)]));
  const scored = async (name: string, epochs: number, passes: Set<number>) => {
    const { experiment } = await createExperiment(h.ws, {
      project: "p",
      dataset: "train@1",
      model: "local-tiny",
      name,
      hyperparameters: { n_epochs: epochs },
    });
    await scoreExperiment(
      h.ws,
      experiment.id,
      Array.from({ length: ITEMS }, (_, k) => {
        const i = k + 1;
        const pass = passes.has(i);
        return {
          itemId: String(i),
          tags: items[i - 1]?.tags ?? [],
          output: pass ? "billing" : "bug",
          grades: { exact: { score: pass ? 1 : 0, passed: pass } },
        };
      }),
      { model: name },
    );
    return experiment.id;
  };
  ids = { a: await scored("a", 2, PASS_A), b: await scored("b", 3, PASS_B) };
}, 60_000);
afterAll(async () => h?.dispose());

describe("GET /api/compare: per tag and both failed", () => {
  it("answers each tag's paired figures on the primary metric and the items both runs failed", async () => {
    const { status, json } = await h.call("GET", `/api/compare?a=${ids.a}&b=${ids.b}`);
    expect(status).toBe(200);
    expect(json.primaryMetric).toBe("exact");
    // long 5-8: A 1/4 (5), B 2/4 (5, 6); short 1-4: A 2/4 (1, 2), B 2/4 (1, 3)
    expect(json.byTag).toEqual([
      {
        tag: "long",
        n: 4,
        meanA: 0.25,
        meanB: 0.5,
        delta: pairedBootstrap([0, 1, 0, 0]),
        regressed: 0,
        improved: 1,
        bothFailed: 2,
      },
      {
        tag: "short",
        n: 4,
        meanA: 0.5,
        meanB: 0.5,
        delta: pairedBootstrap([0, -1, 1, 0]),
        regressed: 1,
        improved: 1,
        bothFailed: 1,
      },
    ]);
    expect(json.bothFailed.map((i: { itemId: string }) => i.itemId)).toEqual(["4", "7", "8"]);
    expect(json.bothFailed[1]).toMatchObject({ itemId: "7", input: "ticket 7", reference: "billing", outputA: "bug", outputB: "bug" });
  });

  it("turns the sides around: the same tags, deltas negated, the same both-failed items", async () => {
    const { json } = await h.call("GET", `/api/compare?a=${ids.b}&b=${ids.a}`);
    expect(json.byTag.map((t: { tag: string; delta: { mean: number } }) => [t.tag, t.delta.mean])).toEqual([
      ["long", -0.25],
      ["short", 0],
    ]);
    expect(json.bothFailed.map((i: { itemId: string }) => i.itemId)).toEqual(["4", "7", "8"]);
  });
});
