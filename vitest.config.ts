import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "packages/*/src/**/*.test.ts",
      "packages/*/test/**/*.test.ts",
      "apps/*/src/**/*.test.ts",
      "apps/*/test/**/*.test.ts",
      "examples/**/*.test.ts",
      "bench/**/*.test.ts",
    ],
    // builds the compiled CLI that the CLI tests run (apps/cli/bin/tunelab.mjs)
    globalSetup: ["scripts/vitest-global-setup.ts"],
    reporters: ["default", ["json", { outputFile: ".vitest-report.json" }]],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll waits for what a page or a server does next; its 1 s default is too short on a busy 2-core machine
    expect: { poll: { timeout: 15_000 } },
    pool: "forks",
  },
});
