#!/usr/bin/env node
// Runs the compiled CLI (apps/cli/dist, built by `pnpm run setup` with apps/cli/scripts/build.mjs). A build is never
// run once a file it was made from has changed: the CLI is rebuilt first (a second or two). TUNELAB_DEV=1 runs the
// TypeScript sources through tsx instead, as does a failed rebuild (with a note saying why). Before `serve`, the web
// app's build (apps/web/dist) is rebuilt the same way when a file it was made from changed.
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

/** Before `serve`: apps/web/dist is rebuilt once a file it was made from changed (after a pull), else it is left alone. */
async function freshWeb() {
  if (!process.argv.slice(2).includes("serve")) return;
  try {
    const { rebuildWeb, webStaleReason } = await import("../../web/scripts/dist-record.mjs");
    const stale = webStaleReason();
    if (!stale) return;
    if (process.stderr.isTTY) process.stderr.write(`tunelab: ${stale}; rebuilding it\n`);
    await rebuildWeb();
  } catch (error) {
    process.stderr.write(
      `tunelab: serving the web app as it was built (it could not be rebuilt: ${error instanceof Error ? error.message.split("\n")[0] : error})\n`,
    );
  }
}

if (process.env.TUNELAB_DEV === "1") await runSources();
else {
  await freshWeb();
  const main = await compiledMain();
  if (main) await import(main.href);
}
