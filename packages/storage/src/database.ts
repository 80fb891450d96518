import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { isPostgresUrl, openPostgres } from "./postgres.ts";

export interface OpenDatabaseOptions {
  /** Milliseconds a writer waits for another process's lock before failing. */
  busyTimeoutMs?: number;
}

/** Opens (creating if needed) a SQLite database file with WAL, a busy timeout and foreign keys on. */
export function openDatabase<Schema>(file: string, options: OpenDatabaseOptions = {}): Kysely<Schema> {
  if (file !== ":memory:") {
    mkdirSync(dirname(file), { recursive: true });
  }
  const sqlite = new SQLite(file);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 10_000)}`);
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("synchronous = NORMAL");
  return new Kysely<Schema>({ dialect: new SqliteDialect({ database: sqlite }) });
}

/**
 * Opens a database by location: a `postgres://…`/`postgresql://…` URL opens PostgreSQL (a connection pool), anything
 * else is a SQLite file (see openDatabase).
 */
export function openDatabaseAt<Schema>(location: string, options: OpenDatabaseOptions = {}): Kysely<Schema> {
  return isPostgresUrl(location) ? openPostgres<Schema>(location) : openDatabase<Schema>(location, options);
}
