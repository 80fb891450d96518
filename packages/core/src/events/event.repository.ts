import { inCommitOrder, notifyOnCommit } from "@tunelab/storage";
import { nowIso } from "../shared/time.ts";
import type { DB } from "../storage/database.ts";
import type { EventRow } from "./event.table.ts";
import { type LoggedEvent, WorkspaceEvent } from "./workspace-event.schema.ts";

// The log's order is its `id`. SQLite has one writer at a time and assigns the id inside the writing transaction, so
// once a reader sees id N every smaller id is committed or never will be: a reader that resumes after the last id it
// saw misses nothing. PostgreSQL sequences do not give that guarantee by themselves: there, appends take one advisory
// lock until they commit (inCommitOrder), so ids are committed in order too.

/** The advisory lock key of event appends on PostgreSQL. */
const EVENTS_LOCK = 0x74756e65; // "tune"

/** PostgreSQL: appends NOTIFY this channel at commit, so readers of the log (EventTail) read at once rather than poll. */
export const EVENTS_CHANNEL = "tunelab_events";

/** Appends events in order (inside the caller's transaction when given one); returns their ids. */
export async function appendEvents(db: DB, events: ReadonlyArray<WorkspaceEvent>, createdAt: string = nowIso()): Promise<number[]> {
  if (events.length === 0) return [];
  const rows = await inCommitOrder(db, EVENTS_LOCK, async (writer) => {
    const inserted = await writer
      .insertInto("events")
      .values(events.map((event) => ({ type: event.type, payload_json: JSON.stringify(event), created_at: createdAt })))
      .returning("id")
      .execute();
    await notifyOnCommit(writer, EVENTS_CHANNEL);
    return inserted;
  });
  return rows.map((r) => r.id);
}

export interface EventPage {
  /** The events after the cursor, oldest first (rows this build cannot read are left out). */
  events: LoggedEvent[];
  /** The last id read, including rows left out: where the next page starts. */
  cursor: number;
  /** Whether the page was full (more may follow at once). */
  full: boolean;
}

/** The events with an id above `after`, oldest first, at most `limit`. */
export async function eventsAfter(db: DB, after: number, limit = 500): Promise<EventPage> {
  const rows = await db.selectFrom("events").selectAll().where("id", ">", after).orderBy("id").limit(limit).execute();
  const events: LoggedEvent[] = [];
  for (const row of rows) {
    const event = toLoggedEvent(row);
    if (event) events.push(event);
  }
  return { events, cursor: rows.at(-1)?.id ?? after, full: rows.length === limit };
}

/** The newest event's id, or 0 when the log is empty: a new reader that wants only what happens next starts here. */
export async function latestEventId(db: DB): Promise<number> {
  const row = await db
    .selectFrom("events")
    .select((eb) => eb.fn.max("id").as("id"))
    .executeTakeFirst();
  return Number(row?.id ?? 0);
}

export interface EventRetention {
  /** Events older than this many days are removed. */
  maxAgeDays: number;
  /** At most this many of the newest events are kept. */
  keepLast: number;
}

export const DEFAULT_EVENT_RETENTION: EventRetention = { maxAgeDays: 7, keepLast: 50_000 };

/** Removes events past the retention (too old, or beyond the newest `keepLast`); returns how many. */
export async function pruneEvents(db: DB, retention: EventRetention = DEFAULT_EVENT_RETENTION, now: Date = new Date()): Promise<number> {
  const before = new Date(now.getTime() - retention.maxAgeDays * 86_400_000).toISOString();
  const byAge = await db.deleteFrom("events").where("created_at", "<", before).executeTakeFirst();
  const boundary = await db
    .selectFrom("events")
    .select("id")
    .orderBy("id", "desc")
    .limit(1)
    .offset(Math.max(0, Math.trunc(retention.keepLast)))
    .executeTakeFirst();
  const byCount = boundary ? await db.deleteFrom("events").where("id", "<=", boundary.id).executeTakeFirst() : undefined;
  return Number(byAge.numDeletedRows) + Number(byCount?.numDeletedRows ?? 0);
}

/**
 * Removes the events of one experiment (status, metrics, eval progress, warnings, early stops), inside the caller's
 * transaction when given one, when the experiment is deleted; returns how many. Ids are never reused (AUTOINCREMENT,
 * a PostgreSQL sequence), so a reader resuming after any id neither misses nor repeats another event.
 */
export async function deleteExperimentEvents(db: DB, experimentId: string): Promise<number> {
  // the payload is JSON text on both backends: a LIKE narrows the rows (`_` in ids matches any character), the parsed
  // payload decides
  const candidates = await db
    .selectFrom("events")
    .select(["id", "payload_json"])
    .where("payload_json", "like", `%"experimentId":${JSON.stringify(experimentId)}%`)
    .execute();
  const ids = candidates.filter((row) => experimentOf(row.payload_json) === experimentId).map((row) => row.id);
  for (let i = 0; i < ids.length; i += 500)
    await db
      .deleteFrom("events")
      .where("id", "in", ids.slice(i, i + 500))
      .execute();
  return ids.length;
}

function experimentOf(payloadJson: string): unknown {
  try {
    return (JSON.parse(payloadJson) as { experimentId?: unknown } | null)?.experimentId;
  } catch {
    return undefined;
  }
}

function toLoggedEvent(row: EventRow): LoggedEvent | undefined {
  let payload: unknown;
  try {
    payload = JSON.parse(row.payload_json);
  } catch {
    return undefined;
  }
  // a row written by a newer build (an event type this one does not know) is skipped, not fatal
  const parsed = WorkspaceEvent.safeParse(payload);
  return parsed.success ? { id: row.id, createdAt: row.created_at, event: parsed.data } : undefined;
}
