import type { Kysely } from "kysely";

// Frozen: add a new migration for any change.
// Portable: the same DDL on SQLite as shipped (sqlite-schema.test.ts) and on PostgreSQL.
// Experiment warnings: what the provider's job said at level `warn` (e.g. examples longer than the model's training
// context), kept with the experiment as a JSON list of messages so the CLI, the API and the web page show them.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("experiments").addColumn("warnings_json", "text").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("experiments").dropColumn("warnings_json").execute();
}
