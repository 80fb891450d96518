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
    reporters: ["default", ["json", { outputFile: ".vitest-report.json" }]],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
