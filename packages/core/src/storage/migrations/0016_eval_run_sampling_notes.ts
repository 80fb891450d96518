import type { Kysely } from "kysely";

// Frozen: add a new migration for any change.
// Portable: the same DDL on SQLite as shipped (sqlite-schema.test.ts) and on PostgreSQL.
// What an eval run left out of the sampling it asked for because the model refused it (OpenAI's reasoning models refuse
// max_tokens and any temperature but 1): a JSON array of sentences, null when nothing was left out. The run keeps the
// sampling it asked for in sampling_json (what it is matched on when resumed); this says how it was actually sampled.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("eval_runs").addColumn("sampling_notes_json", "text").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("eval_runs").dropColumn("sampling_notes_json").execute();
}
