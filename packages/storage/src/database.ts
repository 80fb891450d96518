import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { isPostgresUrl, openPostgres } from "./postgres.ts";

export interface OpenDatabaseOptions {
  /** Milliseconds a writer waits for another process's lock before failing. */
  busyTimeoutMs?: number;
}

/** The better-sqlite3 handle behind each SQLite database `openDatabase` opened (see `withSqlite`). */
const handles = new WeakMap<object, SQLite.Database>();

/**
 * Runs `work` with the better-sqlite3 handle of a SQLite database opened by `openDatabase`, while holding its only
 * connection (kysely's lock: no other query or transaction of this database runs meanwhile), for hot paths that run
 * one prepared statement many times; undefined, without calling `work`, for any other database (PostgreSQL, a
 * transaction), which then takes kysely's portable path.
 */
export async function withSqlite<Schema, T>(db: Kysely<Schema>, work: (sqlite: SQLite.Database) => T): Promise<T | undefined> {
  const sqlite = handles.get(db);
  if (!sqlite) return undefined;
  return db.connection().execute(async () => work(sqlite));
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
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: sqlite }) });
  handles.set(db, sqlite);
  return db;
}

/**
 * Opens a database by location: a `postgres://…`/`postgresql://…` URL opens PostgreSQL (a connection pool), anything
 * else is a SQLite file (see openDatabase).
 */
export function openDatabaseAt<Schema>(location: string, options: OpenDatabaseOptions = {}): Kysely<Schema> {
  return isPostgresUrl(location) ? openPostgres<Schema>(location) : openDatabase<Schema>(location, options);
}
