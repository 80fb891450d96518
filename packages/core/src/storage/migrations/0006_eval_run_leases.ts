import { bigintType } from "@tunelab/storage";
import type { Kysely } from "kysely";

// Frozen: add a new migration for any change.
// Portable: the same DDL on SQLite as shipped (sqlite-schema.test.ts); 64-bit integers and doubles on PostgreSQL.
// Work distribution: standalone eval runs carry a lease as experiments do, so `tunelab worker` processes claim them
// (one process per run) and a dead worker's run is taken over once its lease runs out.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("eval_runs").addColumn("lease_owner", "text").execute();
  await db.schema.alterTable("eval_runs").addColumn("lease_expires_at", bigintType(db)).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("eval_runs").dropColumn("lease_expires_at").execute();
  await db.schema.alterTable("eval_runs").dropColumn("lease_owner").execute();
}
