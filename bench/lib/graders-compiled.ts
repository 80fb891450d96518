// The graders bench's tunelab child compiled to plain JavaScript the way the CLI is (apps/cli/scripts/build.mjs:
// esbuild, ES modules, code-split, the finalize and grading workers' entries beside the main one, where workerEntry finds it), so
// the bench measures both the tsx child (TypeScript transpiled at load) and what a compiled `tunelab eval` loads.
// Native and loader packages stay external, imported from their installed files.
import { mkdtempSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const EXTERNAL = /^(better-sqlite3|esbuild|tsx)(\/|$)/;
/** Packages that have them installed (pnpm keeps each package's dependencies beside it). */
const INSTALLED_FROM = ["packages/storage/package.json", "packages/evals/package.json"];

/** The part of esbuild's API used here (esbuild is a dependency of @tunelab/evals, not of the bench). */
interface Esbuild {
  build(options: Record<string, unknown> & { plugins: EsbuildPlugin[] }): Promise<unknown>;
}
interface EsbuildPlugin {
  name: string;
  setup(build: { onResolve(options: { filter: RegExp }, callback: (args: { path: string }) => unknown): void }): void;
}

/** Builds the child into a fresh scratch folder; returns the path of its entry (`graders-e2e.js`). */
export async function buildCompiledChild(): Promise<{ entry: string; buildMs: number }> {
  const esbuild = createRequire(join(ROOT, "packages/evals/package.json"))("esbuild") as Esbuild;
  const outdir = mkdtempSync(join(tmpdir(), "tunelab-bench-compiled-"));
  const started = performance.now();
  await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: {
      "graders-e2e": "bench/lib/graders-e2e.ts",
      "finalize-worker": "packages/core/src/eval-runs/finalize/finalize-worker-main.ts",
      "grading-worker": "packages/evals/src/runner/grading-pool/grading-worker-main.ts",
    },
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    chunkNames: "chunk-[hash]",
    mainFields: ["module", "main"],
    banner: { js: 'import { createRequire as __benchRequire } from "node:module"; const require = __benchRequire(import.meta.url);' },
    plugins: [
      {
        name: "installed-externals",
        setup(build) {
          build.onResolve({ filter: EXTERNAL }, (args) => {
            for (const from of INSTALLED_FROM) {
              try {
                return { path: createRequire(join(ROOT, from)).resolve(args.path), external: true };
              } catch {
                // not installed beside this package: try the next
              }
            }
            return { errors: [{ text: `${args.path} is not installed beside ${INSTALLED_FROM.join(" or ")}` }] };
          });
        },
      },
    ],
    logLevel: "error",
  });
  return { entry: join(outdir, "graders-e2e.js"), buildMs: performance.now() - started };
}
