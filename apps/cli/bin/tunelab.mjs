#!/usr/bin/env node
// Runs the compiled CLI (apps/cli/dist, built by `pnpm run setup` with apps/cli/scripts/build.mjs). A build is never
// run once a file it was made from has changed: the CLI is rebuilt first (a second or two). TUNELAB_DEV=1 runs the
// TypeScript sources through tsx instead, as does a failed rebuild (with a note saying why).
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ensureBuilt, readCurrent, staleReason } from "../scripts/build.mjs";

async function runSources(why) {
  if (why) process.stderr.write(`tunelab: running the TypeScript sources through tsx (${why})\n`);
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/main.ts");
}

async function compiledMain() {
  const current = readCurrent();
  const stale = staleReason(current);
  if (!stale) return pathToFileURL(join(current.dir, "main.js"));
  if (process.stderr.isTTY) process.stderr.write(`tunelab: ${stale}; rebuilding it\n`);
  try {
    return pathToFileURL(join((await ensureBuilt()).dir, "main.js"));
  } catch (error) {
    await runSources(`the CLI could not be rebuilt: ${error instanceof Error ? error.message.split("\n")[0] : error}`);
    return undefined;
  }
}

if (process.env.TUNELAB_DEV === "1") await runSources();
else {
  const main = await compiledMain();
  if (main) await import(main.href);
}
