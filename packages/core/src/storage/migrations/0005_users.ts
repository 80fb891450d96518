import type { Kysely } from "kysely";

// Frozen: add a new migration for any change.
// Per-user access: users with a role and a hashed token (the token itself is never stored), and who created each
// experiment and dataset version (nullable: rows from before this migration have no creator).

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("users")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull().unique())
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("session_hash", "text", (c) => c.notNull().unique())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("last_used_at", "text")
    .execute();
  await db.schema.alterTable("experiments").addColumn("created_by", "text").execute();
  await db.schema.alterTable("dataset_versions").addColumn("created_by", "text").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("dataset_versions").dropColumn("created_by").execute();
  await db.schema.alterTable("experiments").dropColumn("created_by").execute();
  await db.schema.dropTable("users").execute();
}
