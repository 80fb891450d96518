import { type Kysely, sql } from "kysely";

// Frozen: add a new migration for any change.
// Portable: the same DDL on SQLite as shipped (sqlite-schema.test.ts) and on PostgreSQL; the backfill is plain SQL.
// Published tuned models in a table of their own (model id → manifest blob), so a tuned model another machine's worker
// published stays fetchable (serve, evaluate, export, train from it) after its experiment is deleted: deleting an
// experiment leaves its tuned model with its provider, and for the embedded engine in a team that means in the blob
// store too. experiments.tuned_model_blob (0009) is no longer written; what it holds is copied here (one row per
// model: the same id recorded twice keeps one manifest).

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("published_models")
    .addColumn("model", "text", (c) => c.primaryKey())
    .addColumn("manifest_blob", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await sql`
    insert into published_models (model, manifest_blob, created_at)
    select tuned_model, min(tuned_model_blob), min(updated_at) from experiments
    where tuned_model is not null and tuned_model_blob is not null
    group by tuned_model`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("published_models").execute();
}
