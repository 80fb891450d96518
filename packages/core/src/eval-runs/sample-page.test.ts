// samplePage: a run's samples with each item's prompt and reference, filtered, searched, sorted and paged.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ItemRecord } from "@tunelab/evals";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setTestSplit } from "../datasets/set-test-split.ts";
import { saveGraderSet } from "../grader-sets/save-grader-set.ts";
import { closeWorkspace, type Workspace } from "../storage/workspace.ts";
import { insertStandaloneRun } from "../test-support/standalone-run.ts";
import { openTestWorkspace } from "../test-support/test-database.ts";
import { insertSamples } from "./eval-run.repository.ts";
import { samplePage } from "./sample-page.ts";

const PROJECT = "samples";
const ITEMS = 12;
const ANSWERS = ["billing", "bug", "refund"];
let home: string;
let ws: Workspace;
let runId: string;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "tunelab-sample-page-"));
  ws = await openTestWorkspace(home);
  const lines = Array.from({ length: ITEMS }, (_, i) =>
    JSON.stringify({
      messages: [
        { role: "system", content: "Route the ticket." },
        { role: "user", content: `ticket ${i}` },
        { role: "assistant", content: ANSWERS[i % 3] },
      ],
      metadata: { tags: [i % 2 ? "odd" : "even"] },
    }),
  );
  await setTestSplit(ws, { project: PROJECT, text: `${lines.join("\n")}\n`, fileName: "test.jsonl" });
  await saveGraderSet(ws, PROJECT, {
    graders: [{ type: "string_check", name: "exact", input: "{{sample.output_text}}", reference: "{{item.reference}}", operation: "eq" }],
  });
  runId = await insertStandaloneRun(ws, PROJECT, ITEMS);
  // item i answers right when i % 4 != 0; item 5's grade errored; scores fall with the position
  const samples = Array.from({ length: ITEMS }, (_, i) => {
    const right = i % 4 !== 0;
    const errored = i === 5;
    const record: ItemRecord = {
      item_id: String(i + 1),
      tags: [i % 2 ? "odd" : "even"],
      status: errored ? "errored" : right ? "passed" : "failed",
      sample: { output_text: right ? (ANSWERS[i % 3] ?? "") : "unsure", output_tools: [] },
      grades: {
        exact: errored
          ? { score: 0, passed: false, error: { type: "other_error", message: "grader failed" } }
          : { score: right ? 1 - i / 100 : 0, passed: right },
      },
      usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6, cached_tokens: 0 },
      model: "m",
      cached: false,
      attempts: 1,
      finish_reason: "stop",
      latency_ms: 1,
    };
    return { position: i, record };
  });
  await insertSamples(ws.db, runId, samples);
}, 60_000);

afterAll(async () => {
  await closeWorkspace(ws);
  rmSync(home, { recursive: true, force: true });
});

describe("samplePage", () => {
  it("pages in test split order with each item's prompt (last user message) and reference", async () => {
    const page = await samplePage(ws, runId, { offset: 2, limit: 3 });
    expect(page).toMatchObject({ total: ITEMS, offset: 2, limit: 3 });
    expect(page.data.map((s) => [s.itemId, s.position, s.prompt, s.reference])).toEqual([
      ["3", 2, "ticket 2", "refund"],
      ["4", 3, "ticket 3", "billing"],
      ["5", 4, "ticket 4", "bug"],
    ]);
    expect(page.data[2]).toMatchObject({ status: "failed", output: "unsure", tags: ["even"], grades: { exact: { passed: false } } });
  });

  it("filters by status and tag, and searches item ids, outputs, prompts, references and tags", async () => {
    expect((await samplePage(ws, runId, { status: "failed" })).data.map((s) => s.itemId)).toEqual(["1", "5", "9"]);
    expect((await samplePage(ws, runId, { tag: "odd", status: "errored" })).data.map((s) => s.itemId)).toEqual(["6"]);
    const search = await samplePage(ws, runId, { q: "UNSURE" });
    expect(search.total).toBe(3);
    expect((await samplePage(ws, runId, { q: "ticket 11" })).data.map((s) => s.itemId)).toEqual(["12"]);
  });

  it("sorts by a grader's score (unscored last) or by status, ties in test split order, then pages", async () => {
    const byScore = await samplePage(ws, runId, { sort: "grader:exact", order: "desc", limit: 4 });
    expect(byScore.total).toBe(ITEMS);
    expect(byScore.data.map((s) => s.itemId)).toEqual(["2", "3", "4", "7"]);
    const ascending = await samplePage(ws, runId, { sort: "grader:exact", limit: ITEMS });
    // failed items score 0 first; the errored grade has a score too (0), so it sorts among them by position
    expect(ascending.data.slice(0, 4).map((s) => s.itemId)).toEqual(["1", "5", "6", "9"]);
    const byStatus = await samplePage(ws, runId, { sort: "status", limit: ITEMS });
    expect(byStatus.data.map((s) => s.status).join(",")).toMatch(/^(passed,)+(failed,)+errored$/);
  });

  it("refuses an invalid query before reading anything", async () => {
    await expect(samplePage(ws, runId, { limit: 0 })).rejects.toMatchObject({
      code: "invalid_argument",
      message: expect.stringContaining("limit"),
    });
    await expect(samplePage(ws, runId, { sort: "length" })).rejects.toMatchObject({
      code: "invalid_argument",
      message: expect.stringContaining("sort"),
    });
  });
});
