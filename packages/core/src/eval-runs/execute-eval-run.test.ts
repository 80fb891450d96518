// finalizeEvalRun computes a run's counts and aggregates (bootstrap intervals per grader and per tag) from its stored
// samples. Large runs do it in a worker thread so the event loop is never blocked for seconds; the worker must store
// exactly what the main thread would.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bindGrader, type EvalItem, GradingPool, type ItemRecord, parseGraderConfig, runGrader, toSample } from "@tunelab/evals";
import { withSqlite } from "@tunelab/storage";
import type OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getVersionByRef } from "../datasets/dataset.repository.ts";
import { setTestSplit } from "../datasets/set-test-split.ts";
import { currentGraderSet } from "../grader-sets/grader-set.repository.ts";
import { saveGraderSet } from "../grader-sets/save-grader-set.ts";
import { getProjectByName } from "../projects/project.repository.ts";
import { closeWorkspace, type Workspace } from "../storage/workspace.ts";
import { openTestWorkspace } from "../test-support/test-database.ts";
import { getEvalRun, insertEvalRun, insertSamples, runSamples } from "./eval-run.repository.ts";
import type { EvalSampleRow } from "./eval-run.table.ts";
import { executeEvalRun, finalizeEvalRun, type RunAggregates } from "./execute-eval-run.ts";
import { finalizeRun } from "./finalize/finalize-run.ts";
import { OFF_THREAD_SAMPLES, startFinalizeWorker } from "./finalize/off-thread.ts";
import { StoredScores, storedScoreRow } from "./finalize/stored-scores.ts";

const PROJECT = "finalize";
const ITEMS = OFF_THREAD_SAMPLES + 100;
let home: string;
let ws: Workspace;
let ids: { projectId: string; split: string; graderSet: string };

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "tunelab-finalize-"));
  ws = await openTestWorkspace(home);
  const chat = (i: number) =>
    JSON.stringify({
      messages: [
        { role: "user", content: `ticket ${i}` },
        { role: "assistant", content: i % 3 ? "billing" : "bug" },
      ],
    });
  const lines = Array.from({ length: 3 }, (_, i) => chat(i));
  await setTestSplit(ws, { project: PROJECT, text: `${lines.join("\n")}\n`, fileName: "test.jsonl" });
  await saveGraderSet(ws, PROJECT, {
    graders: [{ type: "string_check", name: "exact", input: "{{sample.output_text}}", reference: "{{item.reference}}", operation: "eq" }],
  });
  const project = await getProjectByName(ws.db, PROJECT);
  ids = {
    projectId: project.id,
    split: (await getVersionByRef(ws.db, project.id as never, "test@1")).id,
    graderSet: (await currentGraderSet(ws.db, project.id))?.id as string,
  };
}, 60_000);

afterAll(async () => {
  await closeWorkspace(ws);
  rmSync(home, { recursive: true, force: true });
});

/** A run whose samples have varied scores, statuses, tags and usage (the same for every run made here). */
async function storedRun(trials = 1): Promise<string> {
  return (await storedRunRows(trials)).runId;
}

/** `storedRun`, with the rows `insertSamples` said it stored. */
async function storedRunRows(trials = 1): Promise<{ runId: string; rows: EvalSampleRow[] }> {
  const run = await insertEvalRun(ws.db, {
    projectId: ids.projectId,
    experimentId: null,
    model: "m",
    provider: "local",
    testSplitVersionId: ids.split,
    graderSetId: ids.graderSet,
    samplingParams: { temperature: 0 },
    trials,
    total: ITEMS * trials,
  });
  const samples: { position: number; record: ItemRecord }[] = [];
  for (let i = 0; i < ITEMS; i++)
    for (let trial = 0; trial < trials; trial++) {
      const errored = i % 97 === 0;
      const score = ((i * 37 + trial * 11) % 100) / 100;
      const record: ItemRecord = {
        item_id: `item-${i}`,
        ...(trials > 1 ? { trial } : {}),
        tags: i % 2 ? ["even"] : ["odd", i % 5 ? "common" : "rare"],
        status: errored ? "errored" : score >= 0.5 ? "passed" : "failed",
        sample: { output_text: `answer ${i}`, output_tools: [] },
        grades: {
          exact: errored
            ? { score: 0, passed: false, error: { type: "other_error", message: "grader failed" } }
            : { score, passed: score >= 0.5 },
          other: { score: 1 - score, passed: score < 0.5 },
        },
        model: "m",
        usage: { prompt_tokens: 10 + (i % 7), completion_tokens: i % 13, total_tokens: 10 + (i % 7) + (i % 13), cached_tokens: 0 },
        cached: false,
        attempts: 1,
        finish_reason: "stop",
        latency_ms: 1,
      };
      samples.push({ position: i, record });
    }
  const rows = await insertSamples(ws.db, run.id, samples); // more rows than one statement takes: one transaction
  return { runId: run.id, rows };
}

/** What finalizing stores, without the fields that differ between runs by design (id, timestamps). */
async function finalized(runId: string) {
  const { id: _id, createdAt: _created, finishedAt, ...rest } = await getEvalRun(ws.db, runId);
  expect(finishedAt).not.toBeNull();
  return rest;
}

describe("insertSamples", () => {
  it("stores a batch in one transaction: a failing row stores none of it; rows already stored are ignored", async () => {
    const { runId, rows } = await storedRunRows();
    const stored = await runSamples(ws.db, runId);
    expect(stored).toHaveLength(ITEMS);
    // every column stored as given (each bound to its own column), and said to be stored as the database holds it
    expect(stored).toEqual(rows);
    expect(stored[1]).toMatchObject({
      item_id: "item-1",
      trial: 0,
      position: 1,
      status: "failed",
      output_text: "answer 1",
      error: null,
      tags_json: '["even"]',
      prompt_tokens: 11,
      completion_tokens: 1,
    });
    const again = stored.map((row) => ({
      position: row.position,
      record: {
        item_id: row.item_id,
        tags: [],
        status: "passed",
        sample: null,
        grades: {},
        model: "m",
        cached: true,
        attempts: 0,
        finish_reason: null,
        latency_ms: 0,
        usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cached_tokens: 0 },
      } satisfies ItemRecord,
    }));
    expect(await insertSamples(ws.db, runId, again)).toEqual([]); // a resumed run writing them again: ignored
    expect(await runSamples(ws.db, runId)).toEqual(stored);
    // a batch partly stored before: only the new rows are stored, and said to be, as the database holds them
    const mixed = [...again.slice(0, 3), { ...(again[3] as (typeof again)[number]), record: { ...again[3]?.record, item_id: "late" } }];
    const added = await insertSamples(ws.db, runId, mixed as typeof again);
    expect(added.map((row) => row.item_id)).toEqual(["late"]);
    expect((await runSamples(ws.db, runId)).find((row) => row.item_id === "late")).toEqual(added[0]);

    const fresh = again.map((sample, i) => ({ ...sample, record: { ...sample.record, item_id: `new-${i}` } }));
    const broken = fresh.map((sample, i) =>
      i === ITEMS - 10 ? { ...sample, record: { ...sample.record, item_id: null as unknown as string } } : sample,
    );
    await expect(insertSamples(ws.db, runId, broken)).rejects.toThrow(/not[ -]null/i); // SQLite: NOT NULL, PostgreSQL: not-null
    expect(await runSamples(ws.db, runId)).toHaveLength(ITEMS + 1); // the rows before the failing one were rolled back
  }, 60_000);
});

describe("finalizeEvalRun", () => {
  it("stores the same counts, intervals and aggregates in a worker thread as on this thread", async () => {
    const here = await storedRun();
    const worker = await storedRun();
    const byDefault = await storedRun(); // OFF_THREAD_SAMPLES or more samples: the worker by default
    await finalizeEvalRun(ws, here, "exact", { offThread: false });
    await finalizeEvalRun(ws, worker, "exact", { offThread: true });
    await finalizeEvalRun(ws, byDefault, "exact");
    const expected = await finalized(here);
    expect(expected.status).toBe("completed");
    expect(expected.resultCounts.total).toBe(ITEMS);
    expect(expected.resultCounts.errored).toBe(Math.ceil(ITEMS / 97));
    expect(expected.primary.interval).not.toBeNull();
    expect(Object.keys((expected.aggregates as RunAggregates | null)?.byTag ?? {})).toEqual(["common", "even", "odd", "rare"]);
    expect(await finalized(worker)).toEqual(expected);
    expect(await finalized(byDefault)).toEqual(expected);
  }, 60_000);

  it("summarizes repeated trials the same way in a worker thread", async () => {
    const here = await storedRun(2);
    const worker = await storedRun(2);
    await finalizeEvalRun(ws, here, "exact", { offThread: false });
    await finalizeEvalRun(ws, worker, "exact", { offThread: true });
    const expected = await finalized(here);
    expect(expected.resultCounts.total).toBe(2 * ITEMS);
    expect((expected.aggregates as RunAggregates | null)?.graders.exact?.trials).toBeDefined();
    expect(await finalized(worker)).toEqual(expected);
  }, 60_000);

  it("finalizes from the rows gathered as their batches committed, and reads the database when they are not all of them", async () => {
    const here = await storedRun();
    await finalizeEvalRun(ws, here, "exact", { offThread: false });
    const expected = await finalized(here);
    const gather = (rows: readonly EvalSampleRow[]) => {
      const gathered = new StoredScores();
      for (const row of [...rows].reverse()) gathered.add(storedScoreRow(row)); // any order
      return gathered;
    };
    // every row: the database is not read again (a row changed in what was gathered shows in the result)
    const all = await storedRunRows();
    const changed = all.rows.map((row, i) => (i === 1 ? { ...row, status: "errored" } : row)); // item-1 passed or failed
    await finalizeRun(ws.db, all.runId, "exact", gather(changed));
    const fromGathered = await finalized(all.runId);
    expect(fromGathered.resultCounts.errored).toBe(expected.resultCounts.errored + 1);
    expect({ ...fromGathered, resultCounts: expected.resultCounts }).toEqual(expected);
    // some rows only (a resumed run stored the others before): every row is read from the database
    const resumed = await storedRunRows();
    await finalizeRun(ws.db, resumed.runId, "exact", gather(resumed.rows.slice(0, 100)));
    expect(await finalized(resumed.runId)).toEqual(expected);
    // a finalize worker sent the rows batch by batch, as executeEvalRun does
    const batched = await storedRunRows();
    const worker = startFinalizeWorker();
    for (let i = 0; i < batched.rows.length; i += 64) worker.stored(batched.rows.slice(i, i + 64).map(storedScoreRow));
    await finalizeEvalRun(ws, batched.runId, "exact", { offThread: true, worker });
    expect(await finalized(batched.runId)).toEqual(expected);
  }, 60_000);

  it.each([
    { loaded: "when the graders arrive", data: {} },
    { loaded: "as it starts (grading)", data: { grading: true } },
  ])(
    "grades as a grading pool's only thread (modules loaded $loaded), then finalizes the run once the pool has closed",
    async ({ data }) => {
      const here = await storedRun();
      await finalizeEvalRun(ws, here, "exact", { offThread: false });
      const expected = await finalized(here);
      const config = parseGraderConfig({
        type: "text_similarity",
        name: "fuzzy",
        input: "{{sample.output_text}}",
        reference: "{{item.reference}}",
        evaluation_metric: "fuzzy_match",
        pass_threshold: 0.8,
      });
      const worker = startFinalizeWorker(data);
      const pool = new GradingPool([config], 1, worker.gradingHost()); // one thread: the finalize worker's, no other started
      const items: EvalItem[] = Array.from({ length: 150 }, (_, i) => ({
        id: `i${i}`,
        input: { messages: [{ role: "user", content: `ticket ${i}` }] },
        reference: `the answer to ticket ${i}`,
        tags: [],
      }));
      const samples = items.map((_, i) => toSample(i % 3 ? `the answer to ticket ${i}` : `an answer to ticket ${i * 7}`));
      try {
        const there = await Promise.all(items.map((item, i) => pool.grade(samples[i] ?? toSample(""), item)));
        for (const [i, item] of items.entries())
          expect(there[i]).toEqual({ fuzzy: await runGrader(config, samples[i] ?? toSample(""), item) });
        expect(new Set(there.map((grades) => grades.fuzzy?.passed))).toEqual(new Set([true, false]));
      } finally {
        await pool.close(); // leaves the host running: it still has the run to finalize
      }
      const batched = await storedRunRows();
      for (let i = 0; i < batched.rows.length; i += 64) worker.stored(batched.rows.slice(i, i + 64).map(storedScoreRow));
      await finalizeEvalRun(ws, batched.runId, "exact", { offThread: true, worker });
      expect(await finalized(batched.runId)).toEqual(expected);
    },
    60_000,
  );

  it("rejects with the worker's error when the worker cannot finalize", async () => {
    const empty = mkdtempSync(join(tmpdir(), "tunelab-finalize-empty-")); // no migrated database there
    try {
      await expect(
        finalizeEvalRun({ ...ws, home: empty, database: join(empty, "tunelab.db") }, "run_x", "exact", { offThread: true }),
      ).rejects.toMatchObject({
        code: "internal",
        message: expect.stringContaining("eval_samples"),
      });
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe("executeEvalRun", () => {
  it("starts a large run's finalize worker before reading the split's items, from the run's total; a small run's never", async (ctx) => {
    // the worker's start shows on SQLite: this connection's automatic WAL checkpoints are paused for it (it checkpoints)
    const autoCheckpoint = () => withSqlite(ws.db, (sqlite) => Number(sqlite.pragma("wal_autocheckpoint", { simple: true })));
    const before = await autoCheckpoint();
    if (before === undefined) return ctx.skip(); // PostgreSQL: no WAL, no sign of the worker to read
    expect(before).toBeGreaterThan(0);
    // the split's bytes cannot be read: the run fails there, after noting whether the worker had started
    const seen: (number | undefined)[] = [];
    const blobs = new Proxy(ws.blobs, {
      get(target, key) {
        if (key === "read")
          return async () => {
            seen.push(await autoCheckpoint());
            throw new Error("the split cannot be read");
          };
        const value = Reflect.get(target, key, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const config = parseGraderConfig({
      type: "string_check",
      name: "exact",
      input: "{{sample.output_text}}",
      reference: "{{item.reference}}",
      operation: "eq",
    });
    const grader = bindGrader(config); // pure: the run would grade it in the worker, which loads the graders as it starts
    for (const total of [OFF_THREAD_SAMPLES, OFF_THREAD_SAMPLES - 1]) {
      const run = await insertEvalRun(ws.db, {
        projectId: ids.projectId,
        experimentId: null,
        model: "m",
        provider: "local",
        testSplitVersionId: ids.split,
        graderSetId: ids.graderSet,
        samplingParams: { temperature: 0 },
        trials: 1,
        total,
      });
      const running = executeEvalRun({ ...ws, blobs }, run.id, { client: {} as OpenAI, graders: [grader], primaryMetric: "exact" });
      await expect(running).rejects.toThrow("the split cannot be read");
      expect(await autoCheckpoint()).toBe(before); // the worker stopped with the run, the checkpoints resumed
    }
    expect(seen).toEqual([0, before]);
  }, 60_000);
});

describe("getEvalRun", () => {
  it("checks a run's stored aggregates against their schema and names the run when they do not match", async () => {
    const runId = await storedRun();
    await finalizeEvalRun(ws, runId, "exact");
    expect((await getEvalRun(ws.db, runId)).aggregates?.graders.exact?.n).toBeGreaterThan(0);
    await ws.db
      .updateTable("eval_runs")
      .set({ aggregates_json: JSON.stringify({ graders: { exact: { mean: "high" } }, byTag: {} }) })
      .where("id", "=", runId)
      .execute();
    await expect(getEvalRun(ws.db, runId)).rejects.toMatchObject({ code: "internal", message: expect.stringContaining(runId) });
  });
});
