import { type Kysely, type Migration, type MigrationProvider, Migrator } from "kysely";
import { TunelabError } from "../errors.ts";
import * as m0001 from "./migrations/0001_initial.ts";
import * as m0002 from "./migrations/0002_experiments.ts";
import * as m0003 from "./migrations/0003_events.ts";
import * as m0004 from "./migrations/0004_trials.ts";
import * as m0005 from "./migrations/0005_users.ts";

/** Frozen migrations, in order. Never edit one that has shipped: add a new file. */
const MIGRATIONS: Record<string, Migration> = {
  "0001_initial": m0001,
  "0002_experiments": m0002,
  "0003_events": m0003,
  "0004_trials": m0004,
  "0005_users": m0005,
};

class StaticProvider implements MigrationProvider {
  constructor(private readonly migrations: Record<string, Migration>) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return this.migrations;
  }
}

/** Applies frozen migrations (core's by default) in name order. */
export async function migrateToLatest<Schema>(db: Kysely<Schema>, migrations: Record<string, Migration> = MIGRATIONS): Promise<void> {
  const migrator = new Migrator({ db, provider: new StaticProvider(migrations) });
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
