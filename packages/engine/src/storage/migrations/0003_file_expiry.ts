import type { Kysely } from "kysely";

// Frozen: add a new migration for any change.

/** A file's `expires_at` (OpenAI's `expires_after` at upload); null: it never expires. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("files").addColumn("expires_at", "integer").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("files").dropColumn("expires_at").execute();
}
