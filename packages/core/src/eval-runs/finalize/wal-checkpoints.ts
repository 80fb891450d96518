import { withSqlite } from "@tunelab/storage";
import type { Kysely } from "kysely";
import { openDatabase } from "../../storage/database.ts";

/** How often the finalize worker checkpoints the WAL while a run stores its samples. */
export const CHECKPOINT_EVERY_MS = 100;

/** Runs in this process that paused automatic checkpoints, per SQLite handle (the last one to end resumes them). */
const paused = new WeakMap<object, { runs: number; pages: number }>();

/**
 * Stops this connection's automatic WAL checkpoints while a large run stores its samples (SQLite only): a checkpoint
 * copies the WAL into the database file and fsyncs both on the connection that committed, which on the main thread
 * blocks the event loop for as long as the disk takes (over 100 ms on a busy disk). The run's finalize worker
 * checkpoints from its own connection meanwhile (`startCheckpoints`). Undefined on PostgreSQL. `resume` restores the
 * connection's setting once every run that paused it has ended.
 */
export async function pauseAutoCheckpoints<Schema>(db: Kysely<Schema>): Promise<{ resume(): Promise<void> } | undefined> {
  const handle = await withSqlite(db, (sqlite) => {
    const state = paused.get(sqlite) ?? { runs: 0, pages: Number(sqlite.pragma("wal_autocheckpoint", { simple: true })) };
    if (state.runs === 0) sqlite.pragma("wal_autocheckpoint = 0");
    state.runs++;
    paused.set(sqlite, state);
    return sqlite;
  });
  if (!handle) return undefined;
  let resumed = false;
  return {
    resume: async () => {
      if (resumed) return;
      resumed = true;
      await withSqlite(db, (sqlite) => {
        const state = paused.get(sqlite);
        if (!state || --state.runs > 0) return;
        paused.delete(sqlite);
        if (sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${Math.trunc(state.pages)}`);
      });
    },
  };
}

/**
 * Checkpoints the WAL of a SQLite database every `CHECKPOINT_EVERY_MS` from a connection of its own (in the finalize
 * worker's thread): PASSIVE, so it never waits for the writer nor blocks it, and copies what is committed.
 */
export function startCheckpoints(location: string): { stop(): Promise<void> } {
  const db = openDatabase(location);
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void withSqlite(db, (sqlite) => sqlite.pragma("wal_checkpoint(PASSIVE)"))
      .catch(() => {}) // a checkpoint that fails is retried on the next tick; the writer's data is in the WAL
      .finally(() => {
        running = false;
      });
  }, CHECKPOINT_EVERY_MS);
  return {
    stop: async () => {
      clearInterval(timer);
      await db.destroy();
    },
  };
}
