import type { Kysely } from "kysely";

// Frozen: add a new migration for any change.
// Portable: the same DDL on SQLite as shipped (sqlite-schema.test.ts) and on PostgreSQL.
// Shared tuned models: the manifest blob of an experiment's tuned model, published by the worker that trained it on
// the embedded engine so every machine sharing the blob store can serve, evaluate and export it, and of its latest
// training checkpoint, so a worker on another machine that takes the experiment over continues from it.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("experiments").addColumn("tuned_model_blob", "text").execute();
  await db.schema.alterTable("experiments").addColumn("checkpoint_blob", "text").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("experiments").dropColumn("checkpoint_blob").execute();
  await db.schema.alterTable("experiments").dropColumn("tuned_model_blob").execute();
}
