import { isTunelabError, TunelabError } from "@tunelab/base";
import { type Kysely, type Migration, type MigrationProvider, Migrator } from "kysely";

/** Frozen migrations by name; applied in name order. Never edit one that has shipped: add a new one. */
export type Migrations = Record<string, Migration>;

class StaticProvider implements MigrationProvider {
  constructor(private readonly migrations: Migrations) {}
  async getMigrations(): Promise<Migrations> {
    return this.migrations;
  }
}

/** Applies the migrations not yet applied to this database, in name order; a failure names the migration. */
export async function applyMigrations<Schema>(db: Kysely<Schema>, migrations: Migrations): Promise<void> {
  const migrator = new Migrator({ db, provider: new StaticProvider(migrations) });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === "Error");
  // no migration ran and failed: the database itself failed (e.g. a PostgreSQL server that cannot be reached)
  if (failed === undefined && isTunelabError(error)) throw error;
  if (error !== undefined || failed !== undefined) {
    throw new TunelabError(
      "internal",
      `database migration ${failed?.migrationName ?? ""} failed: ${String((error as Error | undefined)?.message ?? error)}`,
      { cause: error },
    );
  }
}
