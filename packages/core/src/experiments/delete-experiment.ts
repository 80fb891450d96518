import { TunelabError } from "@tunelab/base";
import { nowSeconds } from "@tunelab/storage";
import { z } from "zod";
import { deleteExperimentEvents } from "../events/event.repository.ts";
import type { Workspace } from "../storage/workspace.ts";
import { toExperiment } from "./experiment.repository.ts";
import { type Experiment, type ExperimentStatus, FINISHED_EXPERIMENT } from "./experiment.schema.ts";
import type { ExperimentListener } from "./experiment-events.ts";
import { removeUnrecordedManifests } from "./remove-checkpoints.ts";

/** What deleting an experiment answers: its id, and the tuned model it leaves on its provider (null when none). */
export const DeletedExperiment = z.object({
  id: z.string(),
  deleted: z.literal(true),
  /**
   * The tuned model (null for a baseline, or when none was trained) stays with its provider (the embedded engine or a
   * hosted service), which deletes it (`DELETE /v1/models/ID`).
   */
  tunedModel: z.string().nullable(),
});
export type DeletedExperiment = z.infer<typeof DeletedExperiment>;

/** An experiment may be deleted once it ended, or while it was created and never started. */
const DELETABLE: readonly ExperimentStatus[] = ["created", ...FINISHED_EXPERIMENT];

export interface DeleteOptions {
  /** Told each deleted experiment's (final) status with the message `deleted`, after the deletion committed. */
  onEvent?: ExperimentListener;
}

/**
 * Deletes experiments and every row that belongs only to them: training metrics, eval runs with their samples and
 * stored scores, their events in the workspace's event log (the `deleted` status event told after the commit is
 * logged anew, for open pages). All in one transaction: every id must name an experiment that ended (or was never started) before
 * any is deleted, so a bad id deletes nothing. Once committed, the training checkpoint a worker published to the blob
 * store for takeovers goes too (remove-checkpoints.ts). Datasets, grader sets, other experiments and the tuned model on
 * its provider are left as they are (in a team, with its published files: `published_models`). Unknown id:
 * `not_found`; one started and not finished: `conflict` (cancel it first); one whose tuned model another experiment
 * continues training from: `conflict` (delete that one first, or both).
 */
export async function deleteExperiments(ws: Workspace, ids: readonly string[], options: DeleteOptions = {}): Promise<DeletedExperiment[]> {
  const unique = [...new Set(ids)];
  const deleted = await ws.db.transaction().execute(async (trx) => {
    // in the order given: the first id that names nothing, or that cannot be deleted, is the one reported
    const rows = [];
    for (const id of unique) {
      const row = await trx.selectFrom("experiments").selectAll().where("id", "=", id).executeTakeFirst();
      if (!row) throw new TunelabError("not_found", `no experiment ${id}; \`tunelab exp list\` shows them; nothing was deleted`);
      assertDeletable(toExperiment(row), row.lease_owner, row.lease_expires_at);
      rows.push(row);
    }
    // an experiment that continues training from one's tuned model needs it (and, in a team, its published files)
    const tuned = rows.filter((row) => row.kind === "tuned" && row.tuned_model !== null);
    for (const row of tuned) {
      const child = await trx
        .selectFrom("experiments")
        .select("id")
        .where("base_model", "=", row.tuned_model as string)
        .where("id", "not in", unique)
        .executeTakeFirst();
      if (child)
        throw new TunelabError(
          "conflict",
          `experiment ${child.id} was trained from experiment ${row.id}'s tuned model ${row.tuned_model}: delete ${child.id} first (or both at once); nothing was deleted`,
        );
    }
    const experiments: Experiment[] = [];
    const checkpoints: string[] = [];
    for (const row of rows) {
      const runs = await trx.selectFrom("eval_runs").select("id").where("experiment_id", "=", row.id).execute();
      const runIds = runs.map((r) => r.id);
      if (runIds.length > 0) {
        await trx.deleteFrom("eval_samples").where("run_id", "in", runIds).execute();
        await trx.deleteFrom("eval_run_scores").where("run_id", "in", runIds).execute();
        await trx.deleteFrom("eval_runs").where("id", "in", runIds).execute();
      }
      await trx.deleteFrom("experiment_metrics").where("experiment_id", "=", row.id).execute();
      await deleteExperimentEvents(trx, row.id);
      // guarded: one that another process started since it was read is left whole (the transaction rolls back)
      const result = await trx
        .deleteFrom("experiments")
        .where("id", "=", row.id)
        .where("status", "=", row.status)
        .where("status", "in", DELETABLE)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) !== 1) {
        const now = await trx.selectFrom("experiments").select("status").where("id", "=", row.id).executeTakeFirst();
        throw new TunelabError("conflict", `experiment ${row.id} is ${now?.status ?? "changing"}: ${cancelFirst(row.id)}`);
      }
      experiments.push(toExperiment(row));
      if (row.checkpoint_blob !== null) checkpoints.push(row.checkpoint_blob);
    }
    return { experiments, checkpoints };
  });
  await removeDeletedCheckpoints(ws, deleted.checkpoints);
  for (const experiment of deleted.experiments)
    options.onEvent?.({ type: "status", experimentId: experiment.id, status: experiment.status, message: "deleted" });
  // a baseline's model is the base model as is: no tuned model of its own is left behind
  return deleted.experiments.map((e) => ({ id: e.id, deleted: true as const, tunedModel: e.kind === "tuned" ? e.tunedModel : null }));
}

/** deleteExperiments for one experiment. */
export async function deleteExperiment(ws: Workspace, id: string, options: DeleteOptions = {}): Promise<DeletedExperiment> {
  const [deleted] = await deleteExperiments(ws, [id], options);
  if (!deleted) throw new TunelabError("internal", `experiment ${id} was not deleted`);
  return deleted;
}

/**
 * The deleted experiments' published checkpoints leave the blob store (the deletion committed: a failure here only
 * leaves blobs behind, so it is a warning, not an error of the deletion).
 */
async function removeDeletedCheckpoints(ws: Workspace, checkpoints: readonly string[]): Promise<void> {
  if (checkpoints.length === 0) return;
  try {
    await removeUnrecordedManifests(ws, checkpoints);
  } catch (error) {
    process.emitWarning(
      `the deleted experiments' checkpoints were not all removed from ${ws.blobs.location}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

const cancelFirst = (id: string) => `cancel it first with \`tunelab exp cancel ${id}\`, then delete it; nothing was deleted`;

/** Refuses an experiment that started and did not finish, or a created one a worker has just claimed to start. */
function assertDeletable(experiment: Experiment, leaseOwner: string | null, leaseExpiresAt: number | null): void {
  const { id, status } = experiment;
  if (!DELETABLE.includes(status)) throw new TunelabError("conflict", `experiment ${id} is ${status}, not finished: ${cancelFirst(id)}`);
  if (status === "created" && leaseOwner !== null && leaseExpiresAt !== null && leaseExpiresAt >= nowSeconds())
    throw new TunelabError("conflict", `experiment ${id} is being started by a worker: ${cancelFirst(id)}`);
}
