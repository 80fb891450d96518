import { type OpenDatabaseOptions, openDatabaseAt } from "@tunelab/storage";
import type { Kysely } from "kysely";
import type { Database } from "./schema.ts";

/** The workspace database: core's tables. */
export type DB = Kysely<Database>;

/**
 * Opens a database (the workspace's schema unless told otherwise): a `postgres://…` URL, or a SQLite file with WAL, a
 * busy timeout and foreign keys.
 */
export function openDatabase<Schema = Database>(location: string, options: OpenDatabaseOptions = {}): Kysely<Schema> {
  return openDatabaseAt<Schema>(location, options);
}
