import type { Kysely } from "kysely";

// Frozen: add a new migration for any change.
// Portable: the same DDL on SQLite (sqlite-schema.test.ts) and on PostgreSQL.
// Tuned models deleted (`DELETE /v1/models/ID` on any machine's engine) after they were published: every engine that
// has a copy of its own (the machine that trained it, those that fetched it) drops it when next asked for it, and a
// worker still publishing it does not publish it again. Model ids are never reused, so a row stays.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("withdrawn_models")
    .addColumn("model", "text", (c) => c.primaryKey())
    .addColumn("withdrawn_at", "text", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("withdrawn_models").execute();
}
