import { isPostgres } from "@tunelab/storage";
import type { Kysely } from "kysely";

// Frozen: add a new migration for any change.
// Portable: one DDL for both backends but the binary type (SQLite's `blob`, PostgreSQL's `bytea`).
// A completed run's scores in columns, one row per run (eval-runs/score-columns.ts), written when it is finalized:
// compare reads two such rows instead of every sample's grades JSON. Older runs have none until compared once.

export async function up(db: Kysely<unknown>): Promise<void> {
  const binary = isPostgres(db) ? "bytea" : "blob";
  await db.schema
    .createTable("eval_run_scores")
    .addColumn("run_id", "text", (c) => c.primaryKey().references("eval_runs.id").onDelete("cascade"))
    .addColumn("format", "integer", (c) => c.notNull())
    .addColumn("samples", "integer", (c) => c.notNull())
    .addColumn("items_json", "text", (c) => c.notNull())
    .addColumn("graders_json", "text", (c) => c.notNull())
    .addColumn("scores", binary, (c) => c.notNull())
    .addColumn("flags", binary, (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("eval_run_scores").execute();
}
