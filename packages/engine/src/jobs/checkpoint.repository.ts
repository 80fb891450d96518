import { nowSeconds, openaiId } from "../ids.ts";
import type { CheckpointTable } from "../storage/schema.ts";
import type { EngineStore } from "../storage/store.ts";

export async function addCheckpoint(store: EngineStore, input: Omit<CheckpointTable, "id" | "created_at">): Promise<void> {
  await store.db
    .insertInto("checkpoints")
    .values({ ...input, id: openaiId("ftckpt"), created_at: nowSeconds() })
    .onConflict((oc) => oc.columns(["job_id", "step"]).doNothing())
    .execute();
}

export async function latestCheckpoint(store: EngineStore, jobId: string): Promise<CheckpointTable | undefined> {
  return store.db.selectFrom("checkpoints").selectAll().where("job_id", "=", jobId).orderBy("step", "desc").limit(1).executeTakeFirst();
}

/** Newest first; `after` is a checkpoint id (undefined when it is no checkpoint of the job). */
export async function listCheckpoints(store: EngineStore, jobId: string, options: { after?: string; limit: number }) {
  let query = store.db.selectFrom("checkpoints").selectAll().where("job_id", "=", jobId);
  if (options.after) {
    const cursor = await store.db
      .selectFrom("checkpoints")
      .select("step")
      .where("id", "=", options.after)
      .where("job_id", "=", jobId)
      .executeTakeFirst();
    if (!cursor) return undefined;
    query = query.where("step", "<", cursor.step);
  }
  const rows = await query
    .orderBy("step", "desc")
    .limit(options.limit + 1)
    .execute();
  const data = rows.slice(0, options.limit).map((row) => ({
    id: row.id,
    object: "fine_tuning.job.checkpoint" as const,
    created_at: row.created_at,
    fine_tuned_model_checkpoint: row.model_id,
    fine_tuning_job_id: row.job_id,
    metrics: JSON.parse(row.metrics_json) as Record<string, number>,
    step_number: row.step,
  }));
  return {
    object: "list" as const,
    data,
    has_more: rows.length > options.limit,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
  };
}
