// Deleting experiments on a real workspace (SQLite, and PostgreSQL in the postgres project): a finished one goes with
// its training metrics, eval runs, samples and stored scores, in one transaction, and leaves the leaderboard; other
// experiments, the datasets and the grader set stay; one started and unfinished, or an unknown id, deletes nothing. Its
// events leave the workspace's event log too, without disturbing readers that resume after an id.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendEvents, eventsAfter, latestEventId } from "../events/event.repository.ts";
import type { WorkspaceEvent } from "../events/workspace-event.schema.ts";
import { leaderboard } from "../leaderboard/leaderboard.ts";
import { samplesAtPassRate, scoreExperiment } from "../test-support/score-experiment.ts";
import { seedScoredProject, untrainedExperiment } from "../test-support/scored-project.ts";
import { tempWorkspace } from "../test-support/temp-workspace.ts";
import { deleteExperiment, deleteExperiments } from "./delete-experiment.ts";
import { findExperiment, recordMetrics, updateExperiment } from "./experiment.repository.ts";
import type { ExperimentEvent } from "./experiment-events.ts";

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
beforeAll(async () => {
  ws = await tempWorkspace();
  await seedScoredProject(ws, { project: "p", items: 4 });
}, 120_000);
afterAll(async () => ws?.dispose());

const metrics = (steps: number) => Array.from({ length: steps }, (_, i) => ({ step: i + 1, total_steps: steps, train_loss: 1 / (i + 1) }));

/** A completed experiment with `steps` training metrics and `runs` scored eval runs; returns its id. */
async function completed(name: string, seed: number, steps: number, runs: number): Promise<string> {
  const id = await untrainedExperiment(ws, "p", name, seed);
  await recordMetrics(ws.db, id, metrics(steps));
  for (let r = 0; r < runs; r++) await scoreExperiment(ws, id, samplesAtPassRate(4, 0.5));
  await updateExperiment(ws.db, id, { tuned_model: `ft:local-tiny:${name}` });
  return id;
}

/** Rows that belong to an experiment, table by table. */
async function rowsOf(id: string) {
  const runIds = (await ws.db.selectFrom("eval_runs").select("id").where("experiment_id", "=", id).execute()).map((r) => r.id);
  const count = async (table: "eval_samples" | "eval_run_scores") =>
    runIds.length === 0
      ? 0
      : Number(
          (
            await ws.db
              .selectFrom(table)
              .select((eb) => eb.fn.countAll().as("n"))
              .where("run_id", "in", runIds)
              .executeTakeFirstOrThrow()
          ).n,
        );
  const metricRows = await ws.db.selectFrom("experiment_metrics").select("step").where("experiment_id", "=", id).execute();
  const experiment = await ws.db.selectFrom("experiments").select("id").where("id", "=", id).execute();
  return {
    experiments: experiment.length,
    experiment_metrics: metricRows.length,
    eval_runs: runIds.length,
    eval_samples: await count("eval_samples"),
    eval_run_scores: await count("eval_run_scores"),
    runIds,
  };
}

/** Rows of every table, for "nothing else changed". */
async function totals() {
  const tables = [
    "projects",
    "datasets",
    "dataset_versions",
    "dataset_examples",
    "grader_sets",
    "experiments",
    "experiment_metrics",
    "eval_runs",
    "eval_samples",
    "eval_run_scores",
  ] as const;
  const counts = {} as Record<(typeof tables)[number], number>;
  for (const table of tables)
    counts[table] = Number(
      (
        await ws.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return counts;
}

const boardIds = async () => (await leaderboard(ws, { project: "p" })).rows.map((r) => r.experimentId);

describe("deleteExperiment", () => {
  it("deletes a completed experiment with its metrics, eval runs, samples and scores; the others and the data stay", async () => {
    const gone = await completed("gone", 1, 5, 2);
    const kept = await completed("kept", 2, 3, 1);
    const before = await rowsOf(gone);
    expect(before).toMatchObject({ experiments: 1, experiment_metrics: 5, eval_runs: 2, eval_samples: 8, eval_run_scores: 2 });
    const keptBefore = await rowsOf(kept);
    const totalsBefore = await totals();
    expect(await boardIds()).toEqual(expect.arrayContaining([gone, kept]));

    const events: ExperimentEvent[] = [];
    const result = await deleteExperiment(ws, gone, { onEvent: (e) => events.push(e) });
    expect(result).toEqual({ id: gone, deleted: true, tunedModel: "ft:local-tiny:gone" });
    expect(events).toEqual([{ type: "status", experimentId: gone, status: "completed", message: "deleted" }]);

    expect(await findExperiment(ws.db, gone)).toBeUndefined();
    const after = await rowsOf(gone);
    expect(after).toMatchObject({ experiments: 0, experiment_metrics: 0, eval_runs: 0, eval_samples: 0, eval_run_scores: 0 });
    // its runs are gone, not left behind as standalone runs (eval_runs.experiment_id is `on delete set null`)
    const orphans = await ws.db.selectFrom("eval_runs").select("id").where("id", "in", before.runIds).execute();
    expect(orphans).toEqual([]);
    expect(await rowsOf(kept)).toEqual(keptBefore);
    expect(await totals()).toEqual({
      ...totalsBefore,
      experiments: totalsBefore.experiments - 1,
      experiment_metrics: totalsBefore.experiment_metrics - 5,
      eval_runs: totalsBefore.eval_runs - 2,
      eval_samples: totalsBefore.eval_samples - 8,
      eval_run_scores: totalsBefore.eval_run_scores - 2,
    });
    const board = await boardIds();
    expect(board).not.toContain(gone);
    expect(board).toContain(kept);
  });

  it("deletes one created and never run, and ones that failed or were cancelled", async () => {
    const never = await untrainedExperiment(ws, "p", "never", 10);
    const failed = await untrainedExperiment(ws, "p", "failed", 11);
    await updateExperiment(ws.db, failed, { status: "failed", error: "boom" });
    const cancelled = await untrainedExperiment(ws, "p", "cancelled", 12);
    await recordMetrics(ws.db, cancelled, metrics(2));
    await updateExperiment(ws.db, cancelled, { status: "cancelled" });
    expect((await deleteExperiments(ws, [never, failed, cancelled])).map((d) => d.id)).toEqual([never, failed, cancelled]);
    for (const id of [never, failed, cancelled]) expect(await rowsOf(id)).toMatchObject({ experiments: 0, experiment_metrics: 0 });
  });

  it("deletes its events from the event log; other experiments' and the workspace's stay, and ids go on increasing", async () => {
    const gone = await completed("events-gone", 60, 1, 0);
    const kept = await completed("events-kept", 61, 1, 0);
    const before = await latestEventId(ws.db);
    const progress = { done: 1, total: 4, passed: 1, failed: 0, errored: 0 } as never;
    const of = (id: string): WorkspaceEvent[] => [
      { type: "status", experimentId: id, status: "training", message: "training" },
      { type: "metrics", experimentId: id, step: 1, totalSteps: 1, trainLoss: 0.5, validLoss: null },
      { type: "eval", experimentId: id, runId: "run_x", progress },
      { type: "warning", experimentId: id, message: `about ${gone}` },
      { type: "status", experimentId: id, status: "completed", message: "done" },
    ];
    const workspace: WorkspaceEvent[] = [
      { type: "dataset-version", project: "p", dataset: "train", ref: "train@1", versionId: gone, exampleCount: 1 },
      { type: "eval-status", runId: "run_standalone", status: "completed" },
    ];
    await appendEvents(ws.db, [...of(gone), ...of(kept), ...workspace, ...of(gone)]);
    const cursor = await latestEventId(ws.db);

    await deleteExperiment(ws, gone);

    const left = (await eventsAfter(ws.db, before)).events.map((e) => e.event);
    expect(left).toEqual([...of(kept), ...workspace]);
    // a reader that had read everything gets only what comes next: no id is given again
    const [next] = await appendEvents(ws.db, [{ type: "status", experimentId: kept, status: "completed", message: "again" }]);
    expect(next).toBeGreaterThan(cursor);
    expect((await eventsAfter(ws.db, cursor)).events.map((e) => e.id)).toEqual([next]);
  });

  it("refuses one that is training (cancel it first) and deletes nothing, not even the finished ones asked with it", async () => {
    const done = await completed("done", 20, 2, 1);
    const running = await untrainedExperiment(ws, "p", "running", 21);
    await recordMetrics(ws.db, running, metrics(3));
    await updateExperiment(ws.db, running, { status: "training" });
    const totalsBefore = await totals();
    const events: ExperimentEvent[] = [];
    await expect(deleteExperiments(ws, [done, running], { onEvent: (e) => events.push(e) })).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringContaining(
        `experiment ${running} is training, not finished: cancel it first with \`tunelab exp cancel ${running}\``,
      ),
    });
    await expect(deleteExperiment(ws, running)).rejects.toMatchObject({ code: "conflict" });
    expect(await totals()).toEqual(totalsBefore);
    expect((await findExperiment(ws.db, running))?.status).toBe("training");
    expect(await rowsOf(done)).toMatchObject({ experiments: 1, experiment_metrics: 2, eval_runs: 1, eval_samples: 4, eval_run_scores: 1 });
    expect(events).toEqual([]);
    expect(await boardIds()).toContain(done);
  });

  it("refuses a created one a worker has just claimed to start", async () => {
    const claimed = await untrainedExperiment(ws, "p", "claimed", 30);
    await updateExperiment(ws.db, claimed, { lease_owner: "worker-1", lease_expires_at: Math.floor(Date.now() / 1000) + 3_600 });
    await expect(deleteExperiment(ws, claimed)).rejects.toMatchObject({ code: "conflict", message: expect.stringContaining("worker") });
    expect(await findExperiment(ws.db, claimed)).toBeDefined();
  });

  it("refuses an unknown id, naming it, and deletes nothing of the others asked with it", async () => {
    const known = await completed("known", 40, 1, 1);
    const totalsBefore = await totals();
    await expect(deleteExperiments(ws, [known, "exp_nosuchexperiment"])).rejects.toMatchObject({
      code: "not_found",
      message: expect.stringContaining("no experiment exp_nosuchexperiment"),
    });
    expect(await totals()).toEqual(totalsBefore);
    expect(await findExperiment(ws.db, known)).toBeDefined();
  });

  it("refuses one whose tuned model another experiment was trained from, unless both are deleted", async () => {
    const parent = await completed("parent", 50, 1, 0);
    const child = await untrainedExperiment(ws, "p", "child", 51);
    await updateExperiment(ws.db, child, { base_model: "ft:local-tiny:parent", status: "completed" });
    const totalsBefore = await totals();
    await expect(deleteExperiment(ws, parent)).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringContaining(`experiment ${child} was trained from experiment ${parent}'s tuned model ft:local-tiny:parent`),
    });
    expect(await totals()).toEqual(totalsBefore);
    expect((await deleteExperiments(ws, [child, parent])).map((d) => d.id)).toEqual([child, parent]);
  });
});
