// The web app's build (apps/web/dist, served by `tunelab serve`) and the files it was made from. vite.config.ts's
// plugin records them after a build into apps/web/dist; the CLI's launcher asks `webStaleReason()` before `serve`
// and rebuilds with `rebuildWeb()` when one changed since (as it does for the CLI's own build). Plain JavaScript: the
// launcher imports it without a TypeScript loader. The record lives under node_modules/, never in the served dist/.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

export const WEB_ROOT = fileURLToPath(new URL("../", import.meta.url));
const ROOT = resolve(WEB_ROOT, "../..");
export const WEB_DIST = join(WEB_ROOT, "dist");
/** Where the record of apps/web/dist is kept (relative paths from the repository's root, and when the build started). */
export const RECORD = join(WEB_ROOT, "node_modules", ".tunelab", "dist-inputs.json");
/** Files besides the bundled modules whose change makes the build stale. */
const ALSO_WATCHED = [
  "pnpm-lock.yaml",
  "apps/web/index.html",
  "apps/web/vite.config.ts",
  "apps/web/package.json",
  "apps/web/scripts/dist-record.mjs",
];

/**
 * A vite plugin: after a build into apps/web/dist (or, with TUNELAB_WEB_RECORD set, wherever it points), records the
 * modules the build read. Builds elsewhere (the browser tests' temp dirs) record nothing.
 */
export function distRecord() {
  let startedMs = 0;
  let outDir = "";
  let inputs = [];
  return {
    name: "tunelab-dist-record",
    apply: "build",
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    buildStart() {
      startedMs = Date.now();
    },
    generateBundle() {
      inputs = [...this.getModuleIds()]
        .filter((id) => !id.startsWith("\0") && !id.includes(`${sep}node_modules${sep}`) && !id.includes("?"))
        .map((id) => relative(ROOT, id).split(sep).join("/"))
        .filter((file) => !file.startsWith(".."));
    },
    closeBundle() {
      const target = process.env.TUNELAB_WEB_RECORD || (outDir === WEB_DIST ? RECORD : undefined);
      if (!target) return;
      mkdirSync(dirname(target), { recursive: true });
      const all = [...new Set([...inputs, ...ALSO_WATCHED])].sort();
      writeFileSync(target, `${JSON.stringify({ builtAtMs: startedMs, inputs: all }, null, 2)}\n`);
    },
  };
}

/** Why apps/web/dist is out of date (not built, not recorded, a source changed or went away since), or undefined. */
export function webStaleReason() {
  try {
    statSync(join(WEB_DIST, "index.html"));
  } catch {
    return "the web app is not built yet";
  }
  let record;
  try {
    record = JSON.parse(readFileSync(RECORD, "utf8"));
  } catch {
    return "the web app's build has no record of its sources";
  }
  for (const file of record.inputs) {
    let mtimeMs;
    try {
      mtimeMs = statSync(join(ROOT, file)).mtimeMs;
    } catch {
      return `${file} is gone since the web app was built`;
    }
    if (mtimeMs > record.builtAtMs) return `${file} changed since the web app was built`;
  }
  return undefined;
}

/**
 * Builds the web app into a temp directory beside dist/ and swaps it in, then its record (so a crash leaves the old
 * build and record as they were). One process at a time: another one waits for that build instead of making its own.
 */
export async function rebuildWeb() {
  const lock = join(WEB_ROOT, ".dist-building");
  for (;;) {
    if (!webStaleReason()) return;
    try {
      writeFileSync(lock, String(process.pid), { flag: "wx" });
    } catch {
      try {
        if (Date.now() - statSync(lock).mtimeMs > 120_000) rmSync(lock, { force: true });
      } catch {}
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    try {
      // another process may have finished a build between the check above and taking the lock
      if (!webStaleReason()) return;
      const tmp = `${WEB_DIST}.tmp-${process.pid}`;
      const record = `${RECORD}.${process.pid}.tmp`;
      const vite = join(dirname(createRequire(join(WEB_ROOT, "package.json")).resolve("vite/package.json")), "bin", "vite.js");
      const built = spawnSync(process.execPath, [vite, "build", "--outDir", tmp, "--emptyOutDir", "--logLevel", "error"], {
        cwd: WEB_ROOT,
        env: { ...process.env, TUNELAB_WEB_RECORD: record },
        encoding: "utf8",
      });
      if (built.status !== 0) {
        rmSync(tmp, { recursive: true, force: true });
        rmSync(record, { force: true });
        throw new Error(`vite build failed: ${(built.stderr || built.stdout || String(built.error ?? "")).trim().split("\n")[0]}`);
      }
      const old = `${WEB_DIST}.old-${process.pid}`;
      try {
        renameSync(WEB_DIST, old);
      } catch {}
      renameSync(tmp, WEB_DIST);
      rmSync(old, { recursive: true, force: true });
      mkdirSync(dirname(RECORD), { recursive: true });
      renameSync(record, RECORD);
      return;
    } finally {
      rmSync(lock, { force: true });
    }
  }
}
