// The package graph and module rules `pnpm lint` enforces (issue 16): a DAG of packages, an engine that stands
// alone on leaf packages, no app importing another app, no module cycles. Type-only imports are erased at build time
// and are not dependencies (the web app imports the API's types for its typed client).
const LEAVES = "^packages/(base|contracts|formats|storage|evals)/";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-module-cycles",
      severity: "error",
      comment: "A module cycle (value imports) makes load order matter and hides a missing seam.",
      from: {},
      to: { circular: true },
    },
    {
      name: "no-app-imports-another-app",
      comment: "Test harnesses may start another app (the web app's browser tests start the API server); app code never imports one.",
      severity: "error",
      from: { path: "^apps/([^/]+)/src/" },
      to: { path: "^apps/([^/]+)/", pathNot: "^apps/$1/" },
    },
    {
      name: "packages-never-import-apps",
      severity: "error",
      from: { path: "^packages/" },
      to: { path: "^apps/" },
    },
    {
      name: "engine-stands-alone",
      comment: "The engine depends on no tunelab package except the leaf ones (base, contracts, formats, storage).",
      severity: "error",
      from: { path: "^packages/engine/" },
      to: { path: "^packages/", pathNot: ["^packages/engine/", "^packages/(base|contracts|formats|storage)/"] },
    },
    {
      name: "leaves-import-only-leaves",
      severity: "error",
      from: { path: LEAVES },
      to: { path: "^packages/", pathNot: LEAVES },
    },
    {
      name: "base-imports-no-tunelab-package",
      severity: "error",
      from: { path: "^packages/base/" },
      to: { path: "^packages/", pathNot: "^packages/base/" },
    },
    {
      name: "core-does-not-import-the-engine",
      comment: "Apps wire the engine into core's runtime; core knows it only as an OpenAI-compatible provider.",
      severity: "error",
      from: { path: "^packages/(core|evals)/" },
      to: { path: "^packages/engine/" },
    },
    {
      name: "finalize-worker-loads-no-schemas",
      comment:
        "The finalize worker lives through a whole eval run: what it finalizes with loads the statistics through " +
        "@tunelab/evals/aggregates (checked zod-free by aggregates.test.ts) and no schema module (where zod is; 7-9 MiB an " +
        "isolate), types aside. Its entry imports the graders only when a grading pool grades there (the compiled entry's " +
        "static imports are checked zod-free by apps/cli/test/compiled.test.ts).",
      severity: "error",
      from: { path: "^packages/core/src/eval-runs/finalize/(finalize-run|stored-scores|wal-checkpoints)\\.ts$" },
      to: { path: ["\\.schema\\.ts$", "^packages/evals/src/(index|stats/index)\\.ts$"], reachable: true },
    },
    {
      name: "declared-workspace-dependencies",
      comment: "Every imported package is declared in the importing package's package.json.",
      severity: "error",
      from: {},
      to: { dependencyTypes: ["npm-no-pkg", "npm-unknown"] },
    },
    {
      name: "resolvable-imports",
      comment: "An import that does not resolve names a package the importer does not declare (pnpm links only declared ones).",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: ["node_modules", "/dist/", "/test-artifacts/"] },
    tsPreCompilationDeps: false,
    combinedDependencies: false,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "node", "default"],
      extensions: [".ts", ".tsx", ".js", ".mjs"],
    },
  },
};
