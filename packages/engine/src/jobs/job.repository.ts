import { Leases } from "@tunelab/storage";
import type { Updateable } from "kysely";
import { nowSeconds, openaiId } from "../ids.ts";
import type { EngineDatabase, JobTable } from "../storage/schema.ts";
import type { EngineStore } from "../storage/store.ts";
import { askedHyperparameters, type CreateJobRequest, type JobError, type JobStatus, type ResolvedHyperparameters } from "./job.schema.ts";

export type JobRow = JobTable;

export async function insertJob(store: EngineStore, request: CreateJobRequest, seed: number): Promise<JobRow> {
  const row: JobRow = {
    id: openaiId("ftjob"),
    model: request.model,
    status: "validating_files",
    training_file: request.training_file,
    validation_file: request.validation_file ?? null,
    suffix: request.suffix ?? null,
    seed,
    metadata_json: request.metadata ? JSON.stringify(request.metadata) : null,
    requested_json: JSON.stringify(request),
    hyperparameters_json: null,
    error_json: null,
    fine_tuned_model: null,
    trained_tokens: null,
    result_file: null,
    estimated_finish: null,
    created_at: nowSeconds(),
    finished_at: null,
    lease_owner: null,
    lease_expires_at: null,
  };
  await store.db.insertInto("jobs").values(row).execute();
  return row;
}

export async function findJob(store: EngineStore, id: string): Promise<JobRow | undefined> {
  return store.db.selectFrom("jobs").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function updateJob(store: EngineStore, id: string, patch: Updateable<JobTable>): Promise<void> {
  await store.db.updateTable("jobs").set(patch).where("id", "=", id).execute();
}

/** Moves a job to a new status unless it already finished (a cancel wins over a late success). */
export async function transitionJob(store: EngineStore, id: string, status: JobStatus, patch: Updateable<JobTable> = {}): Promise<boolean> {
  const result = await store.db
    .updateTable("jobs")
    .set({ ...patch, status })
    .where("id", "=", id)
    .where("status", "not in", ["succeeded", "failed", "cancelled"])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Moves a job to a new status only from one of `from` (pause and resume: running → pausing → paused → queued). */
export async function transitionFrom(
  store: EngineStore,
  id: string,
  from: readonly JobStatus[],
  status: JobStatus,
  patch: Updateable<JobTable> = {},
): Promise<boolean> {
  const result = await store.db
    .updateTable("jobs")
    .set({ ...patch, status })
    .where("id", "=", id)
    .where("status", "in", [...from])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** A page of jobs, newest first; undefined when `after` names no job. */
export async function listJobs(store: EngineStore, options: { after?: string; limit: number; metadata: Record<string, string> }) {
  let query = store.db.selectFrom("jobs").selectAll();
  if (options.after) {
    const cursor = await findJob(store, options.after);
    if (!cursor) return undefined;
    query = query.where((eb) =>
      eb.or([eb("created_at", "<", cursor.created_at), eb.and([eb("created_at", "=", cursor.created_at), eb("id", "<", cursor.id)])]),
    );
  }
  const filters = Object.entries(options.metadata);
  // metadata is small JSON; filter in process so the SQL stays portable
  const rows = await query.orderBy("created_at", "desc").orderBy("id", "desc").execute();
  const matching = rows.filter((row) => {
    if (filters.length === 0) return true;
    const metadata = row.metadata_json ? (JSON.parse(row.metadata_json) as Record<string, string>) : {};
    return filters.every(([k, v]) => metadata[k] === v);
  });
  return { rows: matching.slice(0, options.limit), hasMore: matching.length > options.limit };
}

/**
 * Claims a job for this process: queued jobs, and running jobs whose owner's lease ran out (a dead process).
 * Atomic, so two processes on one database never train the same job.
 */
export async function claimJob(store: EngineStore, id: string, owner: string, leaseSeconds: number): Promise<boolean> {
  return Leases.on<EngineDatabase, { status: string }>(store.db, "jobs").claim(id, owner, leaseSeconds, {
    claimable: (eb) => eb("status", "in", ["queued", "running"]),
    also: { status: "running" },
  });
}

export async function renewLease(store: EngineStore, id: string, owner: string, leaseSeconds: number): Promise<void> {
  await Leases.on(store.db, "jobs").renew([id], owner, leaseSeconds);
}

export async function unfinishedJobs(store: EngineStore): Promise<JobRow[]> {
  return store.db
    .selectFrom("jobs")
    .selectAll()
    .where("status", "in", ["validating_files", "queued", "running"])
    .orderBy("created_at")
    .orderBy("id")
    .execute();
}

/** OpenAI's fine_tuning.job object. */
export function toJobObject(row: JobRow) {
  const requested = JSON.parse(row.requested_json) as CreateJobRequest;
  const resolved = row.hyperparameters_json ? (JSON.parse(row.hyperparameters_json) as ResolvedHyperparameters) : undefined;
  const asked = askedHyperparameters(requested);
  const hyperparameters = resolved ?? {
    n_epochs: asked.n_epochs ?? "auto",
    batch_size: asked.batch_size ?? "auto",
    learning_rate_multiplier: asked.learning_rate_multiplier ?? "auto",
    prompt_loss_weight: asked.prompt_loss_weight ?? "auto",
  };
  return {
    id: row.id,
    object: "fine_tuning.job" as const,
    created_at: row.created_at,
    error: row.error_json ? (JSON.parse(row.error_json) as JobError) : null,
    fine_tuned_model: row.fine_tuned_model,
    finished_at: row.finished_at,
    hyperparameters,
    method:
      requested.method?.type === "dpo"
        ? { type: "dpo" as const, dpo: { hyperparameters } }
        : { type: "supervised" as const, supervised: { hyperparameters } },
    model: row.model,
    organization_id: "org-tunelab-local",
    result_files: row.result_file ? [row.result_file] : [],
    seed: row.seed,
    status: row.status as JobStatus,
    trained_tokens: row.trained_tokens,
    training_file: row.training_file,
    validation_file: row.validation_file,
    estimated_finish: row.estimated_finish,
    integrations: [],
    metadata: row.metadata_json ? (JSON.parse(row.metadata_json) as Record<string, string>) : null,
    user_provided_suffix: row.suffix,
  };
}
