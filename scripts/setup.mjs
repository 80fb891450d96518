#!/usr/bin/env node
// Installs the workspace. Native modules (better-sqlite3) download a prebuilt binary where they can;
// where they cannot (offline machines), node-gyp compiles them and needs Node's headers: point it at the
// system's copy when there is one and nothing else was configured.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const env = { ...process.env };
if (!env.npm_config_nodedir && existsSync("/usr/include/node/node.h")) env.npm_config_nodedir = "/usr";

const args = ["install", ...(env.CI ? ["--frozen-lockfile"] : []), ...process.argv.slice(2)];
const result = spawnSync("pnpm", args, { stdio: "inherit", env });
if (result.status !== 0) process.exit(result.status ?? 1);

// Fail here, not at first use, when a native module did not build.
const check = spawnSync(process.execPath, ["-e", "require('better-sqlite3')(':memory:').close()"], {
  cwd: new URL("../packages/storage/", import.meta.url),
  stdio: "inherit",
});
if (check.status !== 0) {
  console.error("better-sqlite3 did not build: install python3, make and g++ (node-gyp needs them) and run `pnpm run setup` again.");
  process.exit(1);
}

// The trainer's native kernels (compiled by the engine's install script; built here when an earlier install left
// them missing, e.g. a `pnpm add` whose rebuild could not fetch Node's headers).
const engineDir = new URL("../packages/engine/", import.meta.url);
const loadKernels = () =>
  spawnSync(process.execPath, ["-e", "require('./native/build/Release/tunelab_kernels.node')"], { cwd: engineDir, stdio: "ignore" });
let kernels = loadKernels();
if (kernels.status !== 0) {
  spawnSync("pnpm", ["--filter", "@tunelab/engine", "build:native"], { stdio: "inherit", env });
  kernels = loadKernels();
}
if (kernels.status !== 0) {
  console.error("the trainer's native kernels did not build: install python3, make and g++ and run `pnpm run setup` again.");
  process.exit(1);
}

// The web leaderboard that `tunelab serve` serves at `/`.
const web = spawnSync("pnpm", ["--filter", "@tunelab/web", "build"], { stdio: "inherit", env });
if (web.status !== 0) process.exit(web.status ?? 1);

// The CLI and the server it runs, compiled to JavaScript (apps/cli/dist): `tunelab` starts without transpiling.
const cli = spawnSync(process.execPath, ["apps/cli/scripts/build.mjs"], { cwd: new URL("../", import.meta.url), stdio: "inherit" });
if (cli.status !== 0) process.exit(cli.status ?? 1);

// Real llama.cpp for the tests that load the GGUF export into it (outside the repository; not needed to use tunelab).
// Without it those tests are skipped with a message, so a failure here does not fail the setup.
const llamaCpp = spawnSync(process.execPath, ["scripts/install-llama-cpp.mjs"], { cwd: new URL("../", import.meta.url), stdio: "inherit" });
if (llamaCpp.status !== 0) console.error("llama.cpp (node-llama-cpp) was not installed: the GGUF tests will be skipped.");
