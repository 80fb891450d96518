// Compare reads the score columns a run's finalize step stores (one row per run), on SQLite and PostgreSQL: the
// comparison is the one its samples give; a run without columns (finalized before they existed) is compared from its
// samples, with the same result, and gets its columns stored then.
import type { Grade } from "@tunelab/evals";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readScoreColumns, saveScoreColumns } from "../eval-runs/score-columns.repository.ts";
import { type SeededSample, scoreExperiment } from "../test-support/score-experiment.ts";
import { EXACT, SIM, seedScoredProject, testAnswer, untrainedExperiment } from "../test-support/scored-project.ts";
import { tempWorkspace } from "../test-support/temp-workspace.ts";
import { compare } from "./compare.ts";

const ITEMS = 30;

/** A run's samples: item i passes `exact` when `(i·k) mod 7 < k mod 4 + 2`; `sim` follows, errored on item 9; tagged by parity. */
function samples(k: number, trials = 1): SeededSample[] {
  return Array.from({ length: ITEMS * trials }, (_, s) => {
    const i = Math.floor(s / trials) + 1;
    const trial = s % trials;
    const pass = (i * k + trial) % 7 < (k % 4) + 2;
    const sim = ((i * k * 13 + trial) % 100) / 100;
    const grades: Record<string, Grade> = {
      exact: { score: pass ? 1 : 0, passed: pass, reason: pass ? "equal" : "different" },
      sim: i === 9 ? { score: 0, passed: false, error: { type: "other_error", message: "boom" } } : { score: sim, passed: sim >= 0.5 },
    };
    const id = String(i);
    return {
      itemId: id,
      grades,
      tags: [i % 2 ? "odd" : "even"],
      output: pass ? testAnswer(id) : `wrong ${id}`,
      ...(trials > 1 ? { trial } : {}),
    };
  });
}

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
const exp = { a: "", b: "", c: "", d: "" };
const run = { a: "", b: "", c: "", d: "" };
beforeAll(async () => {
  ws = await tempWorkspace();
  await seedScoredProject(ws, { project: "p", items: ITEMS, graders: [EXACT, SIM] });
  for (const [key, seed] of [
    ["a", 1],
    ["b", 2],
    ["c", 3],
    ["d", 4],
  ] as const)
    exp[key] = await untrainedExperiment(ws, "p", key, seed);
  run.a = await scoreExperiment(ws, exp.a, samples(3));
  run.b = await scoreExperiment(ws, exp.b, samples(5));
  run.c = await scoreExperiment(ws, exp.c, samples(3, 3), { trials: 3 });
  run.d = await scoreExperiment(ws, exp.d, samples(5, 3), { trials: 3 });
});
afterAll(async () => ws.dispose());

const dropColumns = (...runIds: string[]) => ws.db.deleteFrom("eval_run_scores").where("run_id", "in", runIds).execute();

describe("compare's score columns", () => {
  it("are stored when a run is finalized, one row per run", async () => {
    const stored = await readScoreColumns(ws.db, [run.a, run.c]);
    expect(stored.get(run.a)?.items).toHaveLength(ITEMS);
    expect(stored.get(run.c)?.items).toHaveLength(ITEMS * 3);
    expect(stored.get(run.c)?.items[4]).toMatchObject({ item_id: "2", trial: 1, tags: ["even"] });
    expect(stored.get(run.a)?.items[8]?.grades.sim?.error).toBeDefined();
    const rows = await ws.db.selectFrom("eval_run_scores").select(["run_id", "samples", "graders_json"]).orderBy("run_id").execute();
    expect(rows).toHaveLength(4);
    expect(rows.find((row) => row.run_id === run.d)).toMatchObject({ samples: ITEMS * 3, graders_json: JSON.stringify(["exact", "sim"]) });
  });

  it("are what compare reads", async () => {
    const before = await compare(ws, exp.a, exp.b);
    expect(before.graders.exact?.delta.mean).not.toBe(0);
    // B's columns replaced by A's: the statistics say B is A, while outputs and whole grades still come from samples
    const [columnsA] = await ws.db.selectFrom("eval_run_scores").selectAll().where("run_id", "=", run.a).execute();
    if (!columnsA) throw new Error("no columns for run A");
    const { run_id: _, ...columns } = columnsA;
    await saveScoreColumns(ws.db, run.b, columns);
    const same = await compare(ws, exp.a, exp.b);
    expect(same.graders.exact?.delta.mean).toBe(0);
    expect(same.regressed).toEqual([]);
    // dropped, B's columns are made again from its samples
    await dropColumns(run.b);
    expect(await compare(ws, exp.a, exp.b)).toEqual(before);
  });

  it("missing (a run finalized before they existed), compare reads the samples, gives the same result and stores them", async () => {
    for (const [x, y] of [
      [exp.a, exp.b],
      [exp.c, exp.d],
      [exp.a, exp.d],
    ] as const) {
      const fromColumns = await compare(ws, x, y);
      await dropColumns(run.a, run.b, run.c, run.d);
      const fromSamples = await compare(ws, x, y);
      expect(fromSamples).toEqual(fromColumns);
      expect(fromColumns.regressed.length + fromColumns.improved.length).toBeGreaterThan(0);
      // stored by that comparison, and read by the next
      const stored = await readScoreColumns(ws.db, [run.a, run.b, run.c, run.d]);
      expect(stored.size).toBe(2);
      expect(await compare(ws, x, y)).toEqual(fromColumns);
    }
  });

  it("are not stored for a run that is not completed (its samples may still change)", async () => {
    await dropColumns(run.b);
    await ws.db.updateTable("eval_runs").set({ status: "running" }).where("id", "=", run.b).execute();
    try {
      const result = await compare(ws, exp.a, exp.b);
      expect(result.graders.exact?.n).toBe(ITEMS);
      expect((await readScoreColumns(ws.db, [run.b])).size).toBe(0);
    } finally {
      await ws.db.updateTable("eval_runs").set({ status: "completed" }).where("id", "=", run.b).execute();
    }
  });
});
