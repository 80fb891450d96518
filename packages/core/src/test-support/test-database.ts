import { createPostgresDatabase, testDatabaseName } from "@tunelab/storage";
import { databasePath } from "../storage/home.ts";
import { openWorkspace, type Workspace } from "../storage/workspace.ts";

/**
 * The PostgreSQL server the tests run against, when they do: the Postgres test project (vitest.config.ts) sets
 * TUNELAB_TEST_POSTGRES_URL; otherwise tests use SQLite.
 */
export function testPostgresServer(): string | undefined {
  const url = process.env.TUNELAB_TEST_POSTGRES_URL;
  return url === undefined || url === "" ? undefined : url;
}

/** Where a test workspace's database goes: a fresh PostgreSQL database of its own, or the SQLite file in its home. */
export async function testDatabaseLocation(home: string): Promise<string> {
  const server = testPostgresServer();
  if (server === undefined) return databasePath(home);
  return createPostgresDatabase(server, testDatabaseName());
}

/** openWorkspace for tests: the home's files, and a database of its own on the backend the tests run against. */
export async function openTestWorkspace(home: string): Promise<Workspace> {
  return openWorkspace(home, await testDatabaseLocation(home));
}
