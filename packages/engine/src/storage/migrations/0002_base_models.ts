import type { Kysely } from "kysely";

// Frozen: add a new migration for any change.

/** Registered open-weight base models (Hugging Face directories referenced in place). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("base_models")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("dir", "text", (c) => c.notNull())
    .addColumn("architecture", "text", (c) => c.notNull())
    .addColumn("parameters", "integer", (c) => c.notNull())
    .addColumn("dtype", "text", (c) => c.notNull())
    .addColumn("context_length", "integer", (c) => c.notNull())
    .addColumn("fingerprint", "text", (c) => c.notNull())
    .addColumn("files_json", "text", (c) => c.notNull())
    .addColumn("config_json", "text", (c) => c.notNull())
    .addColumn("created_at", "integer", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("base_models").execute();
}
