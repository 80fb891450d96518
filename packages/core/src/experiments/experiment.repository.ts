import { TunelabError } from "@tunelab/base";
import { Leases, nowSeconds } from "@tunelab/storage";
import type { Updateable } from "kysely";
import { EvalSettings } from "../eval-runs/eval-settings.ts";
import { LOCAL_PROVIDER } from "../providers/providers.ts";
import { nowIso } from "../shared/time.ts";
import type { DB } from "../storage/database.ts";
import type { Database } from "../storage/schema.ts";
import { EarlyStop } from "./early-stop.schema.ts";
import { type Experiment, type ExperimentMethod, type ExperimentStatus, FINISHED_EXPERIMENT } from "./experiment.schema.ts";
import type { ExperimentRow, ExperimentTable } from "./experiment.table.ts";
import type { TrainingMetric } from "./training-metric.schema.ts";

/** The finished statuses as a list, for `not in` queries (an experiment in one of them never changes again). */
const FINISHED_STATUSES: readonly ExperimentStatus[] = [...FINISHED_EXPERIMENT];

/** The warnings column (0010): a JSON list of messages, null for none. */
function parseWarnings(json: string | null): string[] {
  return json === null ? [] : (JSON.parse(json) as string[]);
}

export function toExperiment(row: ExperimentRow): Experiment {
  const hyper = JSON.parse(row.hyperparameters_json) as Experiment["hyperparameters"];
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    kind: row.kind as Experiment["kind"],
    datasetVersionId: row.dataset_version_id,
    validationVersionId: row.validation_version_id,
    baseModel: row.base_model,
    provider: row.provider,
    method: row.method as ExperimentMethod,
    hyperparameters: hyper,
    seed: row.seed,
    evaluation: EvalSettings.parse(JSON.parse(row.eval_json ?? "{}")),
    suffix: row.suffix,
    notes: row.notes,
    configHash: row.config_hash,
    status: row.status as ExperimentStatus,
    error: row.error,
    warnings: parseWarnings(row.warnings_json),
    earlyStop: row.early_stop_json === null ? null : EarlyStop.parse(JSON.parse(row.early_stop_json)),
    providerFileId: row.provider_file_id,
    providerJobId: row.provider_job_id,
    tunedModel: row.tuned_model,
    trainedTokens: row.trained_tokens,
    trainingSeconds: row.training_seconds,
    testSplitVersionId: row.test_split_version_id,
    graderSetId: row.grader_set_id,
    evalRunId: row.eval_run_id,
    createdAt: row.created_at,
    createdBy: row.created_by,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
  };
}

export async function insertExperiment(db: DB, row: ExperimentTable): Promise<Experiment> {
  await db.insertInto("experiments").values(row).execute();
  return toExperiment(row);
}

export async function findExperiment(db: DB, id: string): Promise<Experiment | undefined> {
  const row = await db.selectFrom("experiments").selectAll().where("id", "=", id).executeTakeFirst();
  return row && toExperiment(row);
}

export async function getExperiment(db: DB, id: string): Promise<Experiment> {
  const experiment = await findExperiment(db, id);
  if (!experiment) throw new TunelabError("not_found", `no experiment ${id}; \`tunelab exp list\` shows them`);
  return experiment;
}

export async function findByConfigHash(db: DB, projectId: string, configHash: string): Promise<Experiment | undefined> {
  const row = await db
    .selectFrom("experiments")
    .selectAll()
    .where("project_id", "=", projectId)
    .where("config_hash", "=", configHash)
    .where("status", "!=", "cancelled")
    .orderBy("created_at")
    .executeTakeFirst();
  return row && toExperiment(row);
}

export async function listExperiments(db: DB, projectId: string): Promise<Experiment[]> {
  const rows = await db
    .selectFrom("experiments")
    .selectAll()
    .where("project_id", "=", projectId)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  return rows.map(toExperiment);
}

/**
 * One page of a project's experiments in creation order (ties by id, so pages never overlap or skip a row), paged in
 * SQL, and how many the project has in all (counted apart).
 */
export async function pageExperiments(
  db: DB,
  projectId: string,
  page: { limit: number; offset: number },
): Promise<{ experiments: Experiment[]; total: number }> {
  const ofProject = db.selectFrom("experiments").where("project_id", "=", projectId);
  const [rows, counted] = await Promise.all([
    ofProject.selectAll().orderBy("created_at").orderBy("id").limit(page.limit).offset(page.offset).execute(),
    ofProject.select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow(),
  ]);
  return { experiments: rows.map(toExperiment), total: Number(counted.n) };
}

/** Records that someone asked for the experiment to run, so that any process may resume or claim it from now on. */
export async function requestExperimentRun(db: DB, id: string): Promise<void> {
  await db.updateTable("experiments").set({ run_requested: 1 }).where("id", "=", id).where("run_requested", "=", 0).execute();
}

/**
 * Unfinished experiments a process may resume or claim: started ones, and `created` ones someone asked to run (one
 * created without running waits for `exp run` or the web page's Run now).
 */
export async function unfinishedExperiments(db: DB): Promise<Experiment[]> {
  const rows = await db
    .selectFrom("experiments")
    .selectAll()
    .where("status", "not in", FINISHED_STATUSES)
    .where((eb) => eb.or([eb("status", "!=", "created"), eb("run_requested", "=", 1)]))
    .orderBy("created_at")
    .execute();
  return rows.map(toExperiment);
}

export async function updateExperiment(db: DB, id: string, patch: Updateable<ExperimentTable>): Promise<void> {
  await db
    .updateTable("experiments")
    .set({ ...patch, updated_at: nowIso() })
    .where("id", "=", id)
    .execute();
}

/**
 * The manifest blob of a tuned model a worker published to the blob store (shared-tuned-models.ts), from
 * `published_models` (0015): it outlives the experiment that trained it, as the tuned model does.
 */
export async function publishedTunedModel(db: DB, tunedModel: string): Promise<string | undefined> {
  const row = await db.selectFrom("published_models").select("manifest_blob").where("model", "=", tunedModel).executeTakeFirst();
  return row?.manifest_blob;
}

/**
 * Records an experiment's tuned model. In a team the worker published it first (shared-tuned-models.ts
 * `publishTunedModel` records it in `published_models`): not recorded again here, so a model deleted in between
 * (`DELETE /v1/models/ID` unpublishes it) stays unpublished.
 */
export async function recordTunedModel(db: DB, id: string, tunedModel: string, patch: Updateable<ExperimentTable>): Promise<void> {
  await updateExperiment(db, id, { ...patch, tuned_model: tunedModel });
}

/**
 * Records the latest published checkpoint of the embedded engine's job `jobId` on the experiment training with it;
 * false when no experiment trains with that job (any more).
 */
export async function recordCheckpointBlob(db: DB, jobId: string, manifest: string): Promise<boolean> {
  const result = await db
    .updateTable("experiments")
    .set({ checkpoint_blob: manifest, updated_at: nowIso() })
    .where("provider", "=", LOCAL_PROVIDER)
    .where("provider_job_id", "=", jobId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** The manifest blob of the latest published checkpoint of the embedded engine's job `jobId`, if any. */
export async function checkpointBlobOfJob(db: DB, jobId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom("experiments")
    .select("checkpoint_blob")
    .where("provider", "=", LOCAL_PROVIDER)
    .where("provider_job_id", "=", jobId)
    .executeTakeFirst();
  return row?.checkpoint_blob ?? undefined;
}

/** The manifest blob of an experiment's latest published checkpoint, if any. */
export async function checkpointBlobOf(db: DB, id: string): Promise<string | undefined> {
  const row = await db.selectFrom("experiments").select("checkpoint_blob").where("id", "=", id).executeTakeFirst();
  return row?.checkpoint_blob ?? undefined;
}

/** Moves an experiment to a status unless it already finished (so a cancel is never overwritten). */
export async function transitionExperiment(
  db: DB,
  id: string,
  status: ExperimentStatus,
  patch: Updateable<ExperimentTable> = {},
): Promise<boolean> {
  const finished = FINISHED_EXPERIMENT.has(status);
  const result = await db
    .updateTable("experiments")
    .set({ ...patch, status, updated_at: nowIso(), ...(finished ? { finished_at: nowIso() } : {}) })
    .where("id", "=", id)
    .where("status", "not in", FINISHED_STATUSES)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function recordMetrics(
  db: DB,
  experimentId: string,
  rows: ReadonlyArray<{
    step: number;
    total_steps?: number;
    train_loss?: number;
    train_mean_token_accuracy?: number;
    valid_loss?: number;
    valid_mean_token_accuracy?: number;
  }>,
): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto("experiment_metrics")
    .values(
      rows.map((m) => ({
        experiment_id: experimentId,
        step: m.step,
        total_steps: m.total_steps ?? null,
        train_loss: m.train_loss ?? null,
        train_accuracy: m.train_mean_token_accuracy ?? null,
        valid_loss: m.valid_loss ?? null,
        valid_accuracy: m.valid_mean_token_accuracy ?? null,
      })),
    )
    .onConflict((oc) => oc.columns(["experiment_id", "step"]).doNothing())
    .execute();
}

/** An experiment's training curve, step by step. */
export async function experimentMetrics(db: DB, experimentId: string): Promise<TrainingMetric[]> {
  return db.selectFrom("experiment_metrics").selectAll().where("experiment_id", "=", experimentId).orderBy("step").execute();
}

const leases = (db: DB) => Leases.on<Database, { status: string }>(db, "experiments");

/** Claims an unfinished experiment for one process (atomic); a claim not renewed in time can be taken over. */
export async function claimExperiment(db: DB, id: string, owner: string, leaseSeconds: number): Promise<boolean> {
  return leases(db).claim(id, owner, leaseSeconds, {
    claimable: (eb) => eb("status", "not in", FINISHED_STATUSES),
    reclaim: true,
  });
}

/** Unfinished experiments no live process holds (never claimed, released, or whose lease ran out), oldest first. */
export async function claimableExperiments(db: DB, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom("experiments")
    .select("id")
    .where("status", "not in", FINISHED_STATUSES)
    .where((eb) => eb.or([eb("status", "!=", "created"), eb("run_requested", "=", 1)]))
    .where((eb) => eb.or([eb("lease_owner", "is", null), eb("lease_expires_at", "is", null), eb("lease_expires_at", "<", nowSeconds())]))
    .orderBy("created_at")
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

/**
 * Extends this owner's claims on these experiments; returns the ids it still holds (one left out was taken over by
 * another process after this owner's claim ran out, and this owner must stop working on it).
 */
export async function renewExperimentLeases(db: DB, ids: readonly string[], owner: string, leaseSeconds: number): Promise<string[]> {
  return leases(db).renew(ids, owner, leaseSeconds);
}

export async function releaseExperiment(db: DB, id: string, owner: string): Promise<void> {
  await leases(db).release(id, owner);
}

/**
 * Adds the provider's warnings to an experiment's, each message once (a process following the job again after a
 * restart sees its events again); returns the messages that were new, in the order given.
 */
export async function addExperimentWarnings(db: DB, id: string, messages: readonly string[]): Promise<string[]> {
  if (messages.length === 0) return [];
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom("experiments").select("warnings_json").where("id", "=", id).executeTakeFirst();
    if (!row) throw new TunelabError("not_found", `experiment ${id} not found`);
    const known = parseWarnings(row.warnings_json);
    const fresh = [...new Set(messages)].filter((message) => !known.includes(message));
    if (fresh.length > 0)
      await trx
        .updateTable("experiments")
        .set({ warnings_json: JSON.stringify([...known, ...fresh]), updated_at: nowIso() })
        .where("id", "=", id)
        .execute();
    return fresh;
  });
}

/**
 * Records where the experiment's job stopped early, once (a process following the job again after a restart sees the
 * event again); true when it was not recorded before.
 */
export async function setExperimentEarlyStop(db: DB, id: string, stop: EarlyStop): Promise<boolean> {
  const result = await db
    .updateTable("experiments")
    .set({ early_stop_json: JSON.stringify(stop), updated_at: nowIso() })
    .where("id", "=", id)
    .where("early_stop_json", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
