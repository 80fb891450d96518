import type { Blobs } from "@tunelab/storage";
import { type DB, openDatabase } from "./database.ts";
import { databaseLocation, openBlobs, resolveHome } from "./home.ts";
import { migrateToLatest } from "./migrate.ts";

/** An opened tunelab home: the database (migrated) and the blob store. */
export interface Workspace {
  home: string;
  /** Where the database is (a SQLite file or a PostgreSQL URL): worker threads open their own connection to it. */
  database: string;
  db: DB;
  /** Tunelab's content-addressed blobs: a directory, or a bucket behind a local cache. */
  blobs: Blobs;
}

/**
 * Opens the workspace of a tunelab home: its database (TUNELAB_DATABASE_URL, else SQLite in the home, unless `database`
 * names one) brought to the latest schema, and its blob store.
 */
export async function openWorkspace(home: string = resolveHome(), database: string = databaseLocation(home)): Promise<Workspace> {
  const db = openDatabase(database);
  try {
    await migrateToLatest(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { home, database, db, blobs: openBlobs(home) };
}

export async function closeWorkspace(workspace: Workspace): Promise<void> {
  await workspace.db.destroy();
  await workspace.blobs.close();
}
