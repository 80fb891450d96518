import { type OpenDatabaseOptions, openDatabase as openSqlite } from "@tunelab/storage";
import type { Kysely } from "kysely";
import type { Database } from "./schema.ts";

/** The workspace database: core's tables. */
export type DB = Kysely<Database>;

/** Opens a database file (the workspace's schema unless told otherwise) with WAL, a busy timeout and foreign keys. */
export function openDatabase<Schema = Database>(file: string, options: OpenDatabaseOptions = {}): Kysely<Schema> {
  return openSqlite<Schema>(file, options);
}
