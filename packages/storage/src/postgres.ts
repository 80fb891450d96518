import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { TunelabError } from "@tunelab/base";
import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from "kysely";
import type Pg from "pg";

const require = createRequire(import.meta.url);
let loaded: typeof Pg | undefined;
/** The `pg` driver, loaded on first use: a SQLite workspace (and every worker thread of one) never pays its ~100 ms. */
function pgDriver(): typeof Pg {
  loaded ??= require("pg") as typeof Pg;
  return loaded;
}

/** Whether a database location is a PostgreSQL URL (`postgres://…` or `postgresql://…`) rather than a SQLite file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** The URL with its password replaced by `***`, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, "//$1:***@");
  }
}

// int8 (count(*), sums, bigint columns: ms timestamps) and numeric (avg, sums of bigints) as numbers, not strings, so a
// repository reads the same values from both backends.
const INT8_OID = 20;
const NUMERIC_OID = 1700;
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") => {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
    return pgDriver().types.getTypeParser(oid, format);
  }) as typeof Pg.types.getTypeParser,
};

export interface OpenPostgresOptions {
  /** Connections in the pool (default 10). */
  maxConnections?: number;
}

/**
 * A kysely database over a `pg` pool. The pool connects lazily; a server that cannot be reached fails the first query
 * with a TunelabError naming the URL (password redacted).
 */
export function openPostgres<Schema>(url: string, options: OpenPostgresOptions = {}): Kysely<Schema> {
  const pool = new (pgDriver().Pool)({ connectionString: url, max: options.maxConnections ?? 10, types });
  // an idle client losing its server (a restart) must not crash the process: the next query reconnects or fails
  pool.on("error", () => {});
  const wrapped: PostgresPool = {
    connect: async (): Promise<PostgresPoolClient> => {
      try {
        return await pool.connect();
      } catch (error) {
        throw new TunelabError(
          "io_error",
          `cannot connect to the PostgreSQL database ${redactUrl(url)}: ${(error as Error).message}. Is the server running, and is TUNELAB_DATABASE_URL right?`,
          { cause: error },
        );
      }
    },
    end: () => pool.end(),
  };
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool: wrapped }) });
  pools.set(db, { pool, url });
  return db;
}

/** The pool behind each database `openPostgres` opened (for `listen`). */
const pools = new WeakMap<object, { pool: Pg.Pool; url: string }>();

/** Stops listening and gives the connection back. */
export type Unlisten = () => Promise<void>;

/**
 * Calls `onNotify` at every NOTIFY on `channel` of the PostgreSQL database behind `db`, on a connection of its own
 * (taken from its pool and kept while listening). Undefined for any other database (SQLite has no notifications; its
 * readers poll). A connection that fails later calls `onError` once and stops listening: callers keep a slower poll.
 */
export async function listen<Schema>(
  db: Kysely<Schema>,
  channel: string,
  onNotify: () => void,
  onError: (error: Error) => void = () => {},
): Promise<Unlisten | undefined> {
  const entry = pools.get(db);
  if (!entry) return undefined;
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new TunelabError("invalid_argument", `not a channel name: ${channel}`);
  let client: Pg.PoolClient;
  try {
    client = await entry.pool.connect();
  } catch (error) {
    throw new TunelabError("io_error", `cannot listen on the PostgreSQL database ${redactUrl(entry.url)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let stopped = false;
  const onNotification = (message: Pg.Notification) => {
    if (message.channel === channel) onNotify();
  };
  const onClientError = (error: Error) => {
    if (stopped) return;
    stopped = true;
    client.off("notification", onNotification);
    client.release(error);
    onError(error);
  };
  client.on("notification", onNotification);
  client.on("error", onClientError);
  await client.query(`LISTEN ${channel}`);
  return async () => {
    if (stopped) return;
    stopped = true;
    client.off("notification", onNotification);
    client.off("error", onClientError);
    try {
      await client.query(`UNLISTEN ${channel}`);
      client.release();
    } catch (error) {
      client.release(error as Error);
    }
  };
}

/** The names of the databases tunelab's tests create start with this (and a per-run part: testDatabaseName). */
export const TEST_DATABASE_PREFIX = "tunelab_test_";

/**
 * A fresh name for a test's database: TUNELAB_TEST_DATABASE_PREFIX (the test run's own prefix, which its teardown
 * drops, so that concurrent runs on one server leave each other's databases alone) and a random part.
 */
export function testDatabaseName(): string {
  const prefix = process.env.TUNELAB_TEST_DATABASE_PREFIX || TEST_DATABASE_PREFIX;
  return `${prefix}${randomBytes(8).toString("hex")}`;
}

/**
 * Creates an empty database on the server of `serverUrl` (a superuser or CREATEDB role) and returns its URL. Tests give
 * each workspace its own.
 */
export async function createPostgresDatabase(serverUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new TunelabError("invalid_argument", `not a database name: ${name}`);
  const client = new (pgDriver().Client)({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops the databases whose names start with `prefix` (their connections are closed first). */
export async function dropPostgresDatabases(serverUrl: string, prefix: string): Promise<number> {
  const client = new (pgDriver().Client)({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE starts_with(datname, $1)", [prefix]);
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    return rows.length;
  } finally {
    await client.end();
  }
}
