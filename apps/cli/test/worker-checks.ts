// What the work-distribution tests (worker.test.ts, team-postgres.test.ts) check of workers and the workspace.
import { getExperiment, type Workspace } from "@tunelab/core";
import { expect } from "vitest";

/** A worker's `--json` progress lines. */
export const workerLines = (stdout: string) =>
  stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { event: string; experimentId?: string; runId?: string; status?: string });

/** Training steps recorded for an experiment. */
export async function metricsCount(ws: Workspace, id: string): Promise<number> {
  const row = await ws.db
    .selectFrom("experiment_metrics")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("experiment_id", "=", id)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * The experiment completed exactly once: a tuned model, one eval run, each training step's metrics once, and each of
 * the `items` test items scored once. Returns it.
 */
export async function expectCompletedOnce(ws: Workspace, id: string, items: number) {
  const experiment = await getExperiment(ws.db, id);
  expect(experiment.status, experiment.error ?? "").toBe("completed");
  expect(experiment.tunedModel).toMatch(/^ft:local-tiny:/);
  const runs = await ws.db.selectFrom("eval_runs").select("id").where("experiment_id", "=", id).execute();
  expect(runs.map((r) => r.id)).toEqual([experiment.evalRunId]);
  const steps = await ws.db.selectFrom("experiment_metrics").select("step").where("experiment_id", "=", id).execute();
  expect(steps.length).toBeGreaterThan(1);
  expect(new Set(steps.map((s) => s.step)).size).toBe(steps.length);
  const samples = await ws.db
    .selectFrom("eval_samples")
    .select(["item_id", "trial"])
    .where("run_id", "=", experiment.evalRunId as string)
    .execute();
  expect(samples).toHaveLength(items);
  expect(new Set(samples.map((s) => `${s.item_id}/${s.trial}`)).size).toBe(items);
  return experiment;
}
