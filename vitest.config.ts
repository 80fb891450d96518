import { defineConfig } from "vitest/config";
import { findPostgresBin } from "./scripts/postgres-test-server.ts";

// The storage tests run twice: on SQLite (the "sqlite" project, with everything else) and on a real PostgreSQL (the
// "postgres" project: a throwaway server started by scripts/vitest-postgres-setup.ts, or TUNELAB_TEST_POSTGRES_URL).
// Without PostgreSQL on this machine the Postgres project is left out, with one message; in CI it never is.
const STORAGE_TESTS = [
  "packages/storage/src/**/*.test.ts",
  "packages/core/src/**/*.test.ts",
  "packages/core/test/**/*.test.ts",
  "packages/api/src/**/*.test.ts",
  "packages/api/test/**/*.test.ts",
];
// Tests of core and the API that never open a workspace (pure functions, files, the engine alone): nothing to run
// again on PostgreSQL. The schema snapshot is SQLite's by definition.
const NO_STORAGE = [
  "packages/core/src/env.test.ts",
  "packages/core/src/shared/id.test.ts",
  "packages/core/src/providers/provider-config.test.ts",
  "packages/core/src/datasets/leakage/near-duplicates.test.ts",
  "packages/core/src/experiments/sweep-grid.test.ts",
  "packages/core/src/experiments/lora.test.ts",
  "packages/core/src/experiments/shared-tuned-models.test.ts",
  "packages/core/src/eval-runs/finalize/finalize-priority.test.ts",
  "packages/core/src/eval-runs/finalize/stored-scores.test.ts",
  "packages/core/src/grader-sets/grader-file.test.ts",
  "packages/core/src/leaderboard/compare-breakdown.test.ts",
  "packages/api/test/cosine-local.test.ts",
  "packages/core/src/storage/home.test.ts",
  "packages/core/src/storage/sqlite-schema.test.ts",
];

const { TUNELAB_TEST_POSTGRES_URL: givenServer = "", CI: ci } = process.env;
const postgresAvailable = givenServer !== "" || findPostgresBin() !== undefined || ci === "true";
if (!postgresAvailable) {
  console.log(
    "postgres tests skipped: no PostgreSQL found (install Debian's postgresql package or set TUNELAB_TEST_POSTGRES_URL); storage tests ran on SQLite only",
  );
}

export default defineConfig({
  test: {
    // builds the compiled CLI that the CLI tests run (apps/cli/bin/tunelab.mjs)
    globalSetup: ["scripts/vitest-global-setup.ts"],
    reporters: ["default", ["json", { outputFile: ".vitest-report.json" }]],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll waits for what a page or a server does next; its 1 s default is too short on a busy 2-core machine
    expect: { poll: { timeout: 15_000 } },
    pool: "forks",
    projects: [
      {
        extends: true,
        test: {
          name: "sqlite",
          include: [
            "packages/*/src/**/*.test.ts",
            "packages/*/test/**/*.test.ts",
            "apps/*/src/**/*.test.ts",
            "apps/*/test/**/*.test.ts",
            "examples/**/*.test.ts",
            "bench/**/*.test.ts",
          ],
        },
      },
      ...(postgresAvailable
        ? [
            {
              extends: true as const,
              test: {
                name: "postgres",
                include: STORAGE_TESTS,
                exclude: [...NO_STORAGE, "**/node_modules/**"],
                globalSetup: ["scripts/vitest-postgres-setup.ts"],
                setupFiles: ["scripts/vitest-postgres-env.ts"],
              },
            },
          ]
        : []),
    ],
  },
});
