import { type Migration, type MigrationProvider, Migrator } from "kysely";
import { TunelabError } from "../errors.ts";
import type { DB } from "./database.ts";
import * as m0001 from "./migrations/0001_initial.ts";

/** Frozen migrations, in order. Never edit one that has shipped: add a new file. */
const MIGRATIONS: Record<string, Migration> = {
  "0001_initial": m0001,
};

class StaticProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return MIGRATIONS;
  }
}

export async function migrateToLatest(db: DB): Promise<void> {
  const migrator = new Migrator({ db, provider: new StaticProvider() });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === "Error");
  if (error !== undefined || failed !== undefined) {
    throw new TunelabError(
      "internal",
      `database migration ${failed?.migrationName ?? ""} failed: ${String((error as Error | undefined)?.message ?? error)}`,
      { cause: error },
    );
  }
}
