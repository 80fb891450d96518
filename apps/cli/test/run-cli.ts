import { spawnSync } from "node:child_process";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../bin/tunelab.mjs", import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json: () => unknown;
}

/** Runs the real CLI as a subprocess, as a user's shell would. */
export function runCli(args: string[], options: { home: string; cwd?: string; env?: Record<string, string> }): CliResult {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? dirname(options.home),
    encoding: "utf8",
    env: { ...process.env, TUNELAB_HOME: options.home, NO_COLOR: "1", FORCE_COLOR: "", ...options.env },
    timeout: 120_000,
  });
  return {
    code: result.status ?? -1,
    stdout: result.stdout,
    stderr: result.stderr,
    json: () => JSON.parse(result.stdout),
  };
}
