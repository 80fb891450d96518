#!/usr/bin/env node
// Installs real llama.cpp (node-llama-cpp with this platform's prebuilt CPU binaries, from the npm registry) into a
// cache folder outside the repository, for the GGUF export tests (packages/engine/test/llama-cpp.ts reads the same
// folder: TUNELAB_LLAMA_CPP_DIR, or ~/.cache/tunelab/node-llama-cpp-VERSION). Optional dependencies (the CUDA and
// Vulkan builds, 640 MB) are left out; install scripts are not run (the prebuilt binary needs no build).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

const VERSION = "3.22.1";
const dir = process.env.TUNELAB_LLAMA_CPP_DIR ?? join(homedir(), ".cache", "tunelab", `node-llama-cpp-${VERSION}`);
const binaries = {
  "linux-x64": "linux-x64",
  "linux-arm64": "linux-arm64",
  "darwin-arm64": "mac-arm64-metal",
  "darwin-x64": "mac-x64",
  "win32-x64": "win-x64",
};
const platform = binaries[`${process.platform}-${process.arch}`];
if (!platform) {
  console.log(`install-llama-cpp: no prebuilt llama.cpp for ${process.platform}-${process.arch}; the GGUF tests will be skipped`);
  process.exit(0);
}
if (existsSync(join(dir, "node_modules", "node-llama-cpp", "dist", "index.js"))) {
  console.log(`install-llama-cpp: node-llama-cpp ${VERSION} already in ${dir}`);
  process.exit(0);
}
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, "package.json"), '{ "private": true }\n');
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
execFileSync(
  npm,
  [
    "install",
    "--omit=optional",
    "--ignore-scripts",
    "--no-audit",
    "--no-fund",
    `node-llama-cpp@${VERSION}`,
    `@node-llama-cpp/${platform}@${VERSION}`,
  ],
  { cwd: dir, stdio: "inherit" },
);
console.log(`install-llama-cpp: node-llama-cpp ${VERSION} installed in ${dir}`);
