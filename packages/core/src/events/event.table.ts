import type { Generated, Selectable } from "kysely";

/** The workspace event log: one row per event any process published, read by `tunelab serve` for its live stream. */
export interface EventTable {
  /** Increasing, never reused (AUTOINCREMENT): the cursor readers resume from, and the SSE event id. */
  id: Generated<number>;
  /** The event's `type` (`status`, `metrics`, `eval`, `eval-status`, `dataset-version`). */
  type: string;
  /** The whole event as JSON (a `WorkspaceEvent`). */
  payload_json: string;
  created_at: string;
}
export type EventRow = Selectable<EventTable>;
