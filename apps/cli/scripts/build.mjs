#!/usr/bin/env node
// Compiles the CLI (and the API server it runs, and every worker thread's entry) into plain JavaScript with esbuild:
// apps/cli/dist/<build id>/, one ES module per entry plus shared chunks, so that each command loads only its own code.
// dist/current.json names the build to run and every source file it was made from; bin/tunelab.mjs runs that build
// only while none of those files changed since (see `staleReason`). Plain JavaScript: the bin imports it to rebuild.
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const CLI = fileURLToPath(new URL("../", import.meta.url));
const ROOT = resolve(CLI, "../..");
const DIST = join(CLI, "dist");
const CURRENT = join(DIST, "current.json");

/**
 * Worker threads' entries, by the name the compiled file gets (`<name>.js`, next to main.js): the code that starts a
 * worker asks `workerEntry(name, devStub)` (@tunelab/base) for it.
 */
export const WORKER_ENTRIES = {
  "validate-worker": "packages/formats/src/worker/validate-worker-main.ts",
  "dataset-worker": "packages/core/src/datasets/worker/dataset-worker-main.ts",
  "finalize-worker": "packages/core/src/eval-runs/finalize/finalize-worker-main.ts",
  "grading-worker": "packages/evals/src/runner/grading-pool/grading-worker-main.ts",
  "trainer-worker": "packages/engine/src/trainer/train/worker-main.ts",
  "inference-worker": "packages/engine/src/models/inference/worker-main.ts",
  "export-worker": "packages/engine/src/hf/export-worker/export-worker-main.ts",
  // registers tsx (a user's grader module may be TypeScript), then runs the grader worker
  "grader-worker": "packages/evals/src/custom/bootstrap.mjs",
};

/**
 * Loaded from their installed place, never bundled: native code (better-sqlite3, esbuild, sharp's libvips binding, which
 * sharp finds by a computed require), pg (whose optional pg-native cannot be resolved) and tsx's loader hooks.
 */
const EXTERNAL = /^(better-sqlite3|esbuild|tsx|sharp|pg)(\/|$)/;

/** Files besides the sources whose change makes a build stale (a dependency's version, the build itself). */
const ALSO_WATCHED = ["pnpm-lock.yaml", "apps/cli/scripts/build.mjs"];

/** The build to run, when there is one: its directory and the files it was made from (relative to the root). */
export function readCurrent() {
  try {
    const current = JSON.parse(readFileSync(CURRENT, "utf8"));
    return { ...current, dir: join(DIST, current.id) };
  } catch {
    return undefined;
  }
}

/** Why the current build cannot run (no build, a source changed or went away since), or undefined when it can. */
export function staleReason(current = readCurrent()) {
  if (!current) return "the CLI is not built yet";
  for (const file of current.inputs) {
    let mtimeMs;
    try {
      mtimeMs = statSync(join(ROOT, file)).mtimeMs;
    } catch {
      return `${file} is gone since the CLI was built`;
    }
    if (mtimeMs > current.builtAtMs) return `${file} changed since the CLI was built`;
  }
  return undefined;
}

/**
 * Our sources are bundled into apps/cli/dist/<id>/, yet they find files by `new URL("…", import.meta.url)` (the web
 * app's dist, JSON data, the native addon) and load packages by `createRequire(import.meta.url)`: give each of them
 * its own source file's URL, so every such path resolves as it does in development. A file marked
 * `bundle: keep import.meta.url` (workerEntry) keeps the compiled chunk's URL.
 */
function sourceUrls(outdir) {
  return {
    name: "tunelab-source-urls",
    setup(build) {
      build.onLoad({ filter: /[\\/](packages|apps)[\\/][^\\/]+[\\/]src[\\/].*\.(ts|mjs)$/ }, (args) => {
        const text = readFileSync(args.path, "utf8");
        if (!text.includes("import.meta.url") || text.includes("bundle: keep import.meta.url")) return undefined;
        const fromChunk = relative(outdir, args.path).split(sep).join("/");
        const url = `new URL(${JSON.stringify(fromChunk)}, import.meta.url).href`;
        return { contents: text.replaceAll("import.meta.url", url), loader: args.path.endsWith(".mjs") ? "js" : "ts" };
      });
    },
  };
}

/** Externals are imported by their installed file's path relative to the build (pnpm keeps them out of the CLI's reach). */
function installedExternals(outdir) {
  return {
    name: "tunelab-installed-externals",
    setup(build) {
      build.onResolve({ filter: EXTERNAL }, async (args) => {
        if (args.pluginData === "resolving") return undefined;
        const found = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: "resolving" });
        if (found.errors.length > 0) return { errors: found.errors };
        return { path: `./${relative(outdir, found.path).split(sep).join("/")}`, external: true };
      });
    },
  };
}

/** Builds the CLI into a new dist/<id>/ and makes it current; earlier builds stay (a running `serve` may still load their chunks) until pruned. */
export async function buildCli({ quiet = false } = {}) {
  const { build } = await import("esbuild");
  const started = Date.now();
  const id = `${started.toString(36)}-${randomBytes(3).toString("hex")}`;
  const outdir = join(DIST, id);
  const builtAtMs = Date.now();
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { main: "apps/cli/src/main.ts", ...WORKER_ENTRIES },
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    chunkNames: "chunk-[hash]",
    // ES module builds first: some packages' "main" is a UMD wrapper whose require() calls esbuild cannot follow
    mainFields: ["module", "main"],
    // CommonJS dependencies bundled into ES modules still call require() for Node's built-ins
    banner: { js: 'import { createRequire as __tunelabRequire } from "node:module"; const require = __tunelabRequire(import.meta.url);' },
    plugins: [installedExternals(outdir), sourceUrls(outdir)],
    metafile: true,
    logLevel: "error",
    legalComments: "none",
  });
  const inputs = [
    ...Object.keys(result.metafile.inputs).filter((file) => !file.includes("node_modules/") && !file.startsWith("<")),
    ...ALSO_WATCHED,
  ].sort();
  writeFileSync(join(outdir, "package.json"), '{ "type": "module" }\n');
  const tmp = `${CURRENT}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ id, builtAtMs, inputs }, null, 2)}\n`);
  renameSync(tmp, CURRENT);
  prune(id);
  if (!quiet)
    process.stderr.write(`built the CLI into ${relative(ROOT, outdir)} (${inputs.length} sources) in ${Date.now() - started} ms\n`);
  return { id, dir: outdir };
}

/**
 * The current build when it is fresh; else a new one. While another process builds (after a source change, every CLI
 * process a test suite starts finds the build stale at once), this one waits for that build instead of making its own.
 */
export async function ensureBuilt({ quiet = true } = {}) {
  const lock = join(DIST, ".building");
  for (;;) {
    const current = readCurrent();
    if (!staleReason(current)) return current;
    try {
      writeFileSync(lock, String(process.pid), { flag: "wx" });
    } catch {
      // a lock older than a minute was left by a process that died while building
      try {
        if (Date.now() - statSync(lock).mtimeMs > 60_000) rmSync(lock, { force: true });
      } catch {}
      await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    }
    try {
      // another process may have finished a build between the check above and taking the lock: use it
      const fresh = readCurrent();
      if (!staleReason(fresh)) return fresh;
      return await buildCli({ quiet });
    } finally {
      rmSync(lock, { force: true });
    }
  }
}

/** Removes builds other than the current one that are more than a day old. */
function prune(keep) {
  const dayAgo = Date.now() - 86_400_000;
  for (const entry of readdirSync(DIST, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === keep) continue;
    const dir = join(DIST, entry.name);
    if (statSync(dir).mtimeMs < dayAgo) rmSync(dir, { recursive: true, force: true });
  }
}

mkdirSync(DIST, { recursive: true });
if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  await buildCli().catch((error) => {
    process.stderr.write(`${error.message ?? error}\n`);
    process.exit(1);
  });
}
