import { type Kysely, PostgresAdapter, type QueryExecutorProvider, type RawBuilder, type SqlBool, sql } from "kysely";

/**
 * The few places where SQLite and PostgreSQL need different SQL live here; everything else is written once. SQLite's
 * DDL stays byte-for-byte what it was (existing workspaces keep their schema).
 */
export function isPostgres<Schema>(db: Kysely<Schema>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** A 64-bit integer column (byte sizes, token counts, epoch times): SQLite's `integer` already is one; Postgres's is not. */
export function bigintType<Schema>(db: Kysely<Schema>): "integer" | "bigint" {
  return isPostgres(db) ? "bigint" : "integer";
}

/** A double-precision float column: SQLite's `real` is one, Postgres's `real` is 4 bytes. */
export function doubleType<Schema>(db: Kysely<Schema>): "real" | "double precision" {
  return isPostgres(db) ? "double precision" : "real";
}

/** Whether the JSON array of strings in text column `column` contains `value` (a condition for `where`). */
export function jsonArrayContains<Schema>(db: Kysely<Schema>, column: string, value: string): RawBuilder<SqlBool> {
  return isPostgres(db)
    ? sql<SqlBool>`(${sql.ref(column)})::jsonb @> jsonb_build_array(${value}::text)`
    : sql<SqlBool>`exists (select 1 from json_each(${sql.ref(column)}) where value = ${value})`;
}

/**
 * Runs `work` so that writers holding the same `lock` commit one after another: rows they insert get sequence ids in
 * commit order, so a reader that resumes after the last id it saw misses nothing. SQLite has one writer at a time
 * already; on PostgreSQL a transaction-scoped advisory lock (in the caller's transaction, or a new one) does it.
 */
export async function inCommitOrder<Schema, T>(db: Kysely<Schema>, lock: number, work: (db: Kysely<Schema>) => Promise<T>): Promise<T> {
  if (!isPostgres(db)) return work(db);
  const locked = async (trx: Kysely<Schema>) => {
    await sql`select pg_advisory_xact_lock(${lock})`.execute(trx);
    return work(trx);
  };
  return db.isTransaction ? locked(db) : db.transaction().execute(locked);
}

/**
 * Wakes every `listen`er of `channel` when the current transaction commits (PostgreSQL's NOTIFY, delivered at commit
 * and never for a rollback); nothing on SQLite, whose readers poll.
 */
export async function notifyOnCommit<Schema>(db: Kysely<Schema>, channel: string): Promise<void> {
  if (isPostgres(db)) await sql`select pg_notify(${channel}, '')`.execute(db);
}

/**
 * Text as the database can store it: PostgreSQL's text cannot hold NUL characters (SQLite's can), so there each NUL
 * becomes U+FFFD. For free text such as a model's output; JSON columns escape NUL already.
 */
export function storableText<Schema>(db: Kysely<Schema>, text: string): string {
  return isPostgres(db) && text.includes("\u0000") ? text.replaceAll("\u0000", "\uFFFD") : text;
}

/**
 * Makes the current transaction a writer before it reads anything, so transactions that read then write (the next
 * version number, "does it exist yet") run one after another across processes. SQLite: a transaction that reads first
 * fails with "database is locked" when another process commits a write before its own first write (its snapshot is
 * stale, so the busy timeout cannot help), while one that writes first waits its turn; a no-op update of `table`
 * takes the write lock. PostgreSQL: the transaction-scoped advisory lock `lock`.
 */
export async function writeFirst(trx: QueryExecutorProvider, table: string, lock: number): Promise<void> {
  if (trx.getExecutor().adapter instanceof PostgresAdapter) await sql`select pg_advisory_xact_lock(${lock})`.execute(trx);
  else await sql`update ${sql.table(table)} set rowid = rowid where 0`.execute(trx);
}
