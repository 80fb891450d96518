import type { Kysely } from "kysely";

// Frozen: add a new migration for any change.
// Portable: the same DDL on SQLite as shipped (sqlite-schema.test.ts) and on PostgreSQL.
// Each model grader request's deadline (whole milliseconds) and requests per grade an eval run was started with
// (`tunelab eval --grader-timeout/--grader-attempts`, the API's graderTimeoutSeconds/graderAttempts), so that a resumed
// run, in any process, waits as it started. Null in runs stored before: they had the fixed 60 s and 3 attempts.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("eval_runs").addColumn("grader_timeout_ms", "integer").execute();
  await db.schema.alterTable("eval_runs").addColumn("grader_attempts", "integer").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("eval_runs").dropColumn("grader_attempts").execute();
  await db.schema.alterTable("eval_runs").dropColumn("grader_timeout_ms").execute();
}
