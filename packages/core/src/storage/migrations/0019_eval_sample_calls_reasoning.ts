import type { Kysely } from "kysely";

// Frozen: add a new migration for any change.
// Portable: the same DDL on SQLite as shipped (sqlite-schema.test.ts) and on PostgreSQL.
// What a sample held beside its text: the tool calls the model made (a JSON array in OpenAI's shape, null when it made
// none) and the reasoning it returned beside its answer (null when none). Samples stored before hold null in both.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("eval_samples").addColumn("output_tools_json", "text").execute();
  await db.schema.alterTable("eval_samples").addColumn("reasoning_text", "text").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("eval_samples").dropColumn("reasoning_text").execute();
  await db.schema.alterTable("eval_samples").dropColumn("output_tools_json").execute();
}
