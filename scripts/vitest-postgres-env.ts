// Setup file of the tests' Postgres project: test workspaces (core's test-support/test-database.ts) create their
// databases on the server the global setup started.
import { inject } from "vitest";

process.env.TUNELAB_TEST_POSTGRES_URL = inject("postgresUrl");
process.env.TUNELAB_TEST_DATABASE_PREFIX = inject("postgresDatabasePrefix");
