import { type Kysely, sql } from "kysely";

// Frozen: add a new migration for any change.
// Portable: the same DDL on SQLite as shipped (sqlite-schema.test.ts) and on PostgreSQL.
// Which grader set is current: the one made current last (the highest current_seq), not the highest version. Going
// back to an earlier set's content (removing the grader just added) makes that version current again, with its scores,
// instead of failing on the unique content hash. Existing sets keep their order: current_seq = version.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("grader_sets")
    .addColumn("current_seq", "integer", (col) => col.notNull().defaultTo(0))
    .execute();
  await sql`update grader_sets set current_seq = version`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("grader_sets").dropColumn("current_seq").execute();
}
