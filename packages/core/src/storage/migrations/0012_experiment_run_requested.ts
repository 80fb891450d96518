import type { Kysely } from "kysely";

// Frozen: add a new migration for any change.
// Portable: the same DDL on SQLite as shipped (sqlite-schema.test.ts) and on PostgreSQL.
// Whether someone asked for an experiment to run (1), or it was created without running (0: `exp create --no-run`, the
// web form's "Create without running", the API's `run: false`). Processes resume and workers claim an experiment still
// `created` only when it was asked for; before, every `created` one started on the next `tunelab serve`. Experiments
// stored before this migration count as not asked for: `tunelab exp run ID` (or the web page's Run now) runs them.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("experiments")
    .addColumn("run_requested", "integer", (col) => col.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("experiments").dropColumn("run_requested").execute();
}
