import type { Kysely } from "kysely";

// Frozen: add a new migration for any change.

/**
 * A deleted file's record stays, marked `deleted_at`, as a list cursor: a client that pages through its files and deletes
 * each one (the SDK's auto-pagination) asks for the next page after an id it has just deleted. Its content is removed as
 * before; the file is gone for every other request.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("files").addColumn("deleted_at", "integer").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("files").dropColumn("deleted_at").execute();
}
