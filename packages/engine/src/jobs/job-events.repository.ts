import { nowSeconds, openaiId } from "../ids.ts";
import type { EngineStore } from "../storage/store.ts";

export interface NewEvent {
  type: "message" | "metrics";
  level?: "info" | "warn" | "error";
  message: string;
  data?: unknown;
}

export async function addEvent(store: EngineStore, jobId: string, event: NewEvent): Promise<void> {
  await store.db
    .insertInto("job_events")
    .values({
      id: openaiId("ftevent"),
      job_id: jobId,
      type: event.type,
      level: event.level ?? "info",
      message: event.message,
      data_json: event.data === undefined ? null : JSON.stringify(event.data),
      created_at: nowSeconds(),
    })
    .execute();
}

/** Whether the job already has a message event with this text (a job trained again from the start says it once). */
export async function hasMessage(store: EngineStore, jobId: string, message: string): Promise<boolean> {
  const row = await store.db
    .selectFrom("job_events")
    .select("seq")
    .where("job_id", "=", jobId)
    .where("type", "=", "message")
    .where("message", "=", message)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Newest first, as OpenAI lists them; `after` is an event id (undefined when it is no event of the job). */
export async function listEvents(store: EngineStore, jobId: string, options: { after?: string; limit: number }) {
  let query = store.db.selectFrom("job_events").selectAll().where("job_id", "=", jobId);
  if (options.after) {
    const cursor = await store.db
      .selectFrom("job_events")
      .select("seq")
      .where("id", "=", options.after)
      .where("job_id", "=", jobId)
      .executeTakeFirst();
    if (!cursor) return undefined;
    query = query.where("seq", "<", cursor.seq);
  }
  const rows = await query
    .orderBy("seq", "desc")
    .limit(options.limit + 1)
    .execute();
  const data = rows.slice(0, options.limit).map((row) => ({
    id: row.id,
    object: "fine_tuning.job.event" as const,
    created_at: row.created_at,
    level: row.level,
    message: row.message,
    type: row.type,
    data: row.data_json ? JSON.parse(row.data_json) : {},
  }));
  return { object: "list" as const, data, has_more: rows.length > options.limit };
}

/** Step of the job's latest metrics event (0 when none): steps redone after a crash are not recorded twice. */
export async function lastMetricsStep(store: EngineStore, jobId: string): Promise<number> {
  const row = await store.db
    .selectFrom("job_events")
    .select("data_json")
    .where("job_id", "=", jobId)
    .where("type", "=", "metrics")
    .orderBy("seq", "desc")
    .limit(1)
    .executeTakeFirst();
  const step = row?.data_json ? Number((JSON.parse(row.data_json) as { step?: unknown }).step) : 0;
  return Number.isFinite(step) ? step : 0;
}
