// Global setup of the tests' Postgres project: a throwaway PostgreSQL server (or TUNELAB_TEST_POSTGRES_URL's), whose
// URL the test processes read (vitest-postgres-env.ts); every test workspace creates its own database there.

import { randomBytes } from "node:crypto";
import type { TestProject } from "vitest/node";
import { dropPostgresDatabases, TEST_DATABASE_PREFIX } from "../packages/storage/src/postgres.ts";
import { findPostgresBin, startTestPostgres } from "./postgres-test-server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    postgresUrl: string;
    /** This run's test databases start with it (its teardown drops them). */
    postgresDatabasePrefix: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { TUNELAB_TEST_POSTGRES_URL: given = "" } = process.env;
  if (given !== "") {
    const prefix = `${TEST_DATABASE_PREFIX}${randomBytes(4).toString("hex")}_`;
    project.provide("postgresUrl", given);
    project.provide("postgresDatabasePrefix", prefix);
    return async () => {
      await dropPostgresDatabases(given, prefix);
    };
  }
  const bin = findPostgresBin();
  if (bin === undefined) {
    throw new Error(
      "the Postgres test project needs PostgreSQL: install Debian's postgresql package (initdb, pg_ctl) or set TUNELAB_TEST_POSTGRES_URL",
    );
  }
  const server = await startTestPostgres(bin);
  project.provide("postgresUrl", server.url);
  project.provide("postgresDatabasePrefix", TEST_DATABASE_PREFIX);
  return async () => {
    server.stop();
  };
}
