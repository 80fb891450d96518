import type { Kysely } from "kysely";

// Frozen: add a new migration for any change.
// Portable: the same DDL on SQLite as shipped (sqlite-schema.test.ts) and on PostgreSQL.
// Early stopping: where the provider's job stopped before its last planned step and which step's weights the tuned
// model keeps (the embedded engine's early stopping on a validation file), as JSON, so the CLI, the API and the web
// page say that the tuned model is not the last step's.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("experiments").addColumn("early_stop_json", "text").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("experiments").dropColumn("early_stop_json").execute();
}
