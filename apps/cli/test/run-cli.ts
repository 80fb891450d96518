import { spawn, spawnSync } from "node:child_process";
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

/** Starts the CLI as a background process (for `serve`, or to kill it mid-work). */
export function startCli(args: string[], options: { home: string; cwd?: string; env?: Record<string, string> }) {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? dirname(options.home),
    env: { ...process.env, TUNELAB_HOME: options.home, NO_COLOR: "1", FORCE_COLOR: "", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => ({ stdout, stderr }),
    /** Resolves with the first match of `pattern` in stdout. */
    waitFor: async (pattern: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> => {
      const started = Date.now();
      for (;;) {
        const match = pattern.exec(stdout);
        if (match) return match;
        if (child.exitCode !== null) throw new Error(`process exited (${child.exitCode}) before printing ${pattern}: ${stderr}`);
        if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${pattern}; stderr: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

/** Runs CLI commands in order (a test's setup); throws with the command and its output at the first that fails. */
export function runSteps(steps: string[][], options: { home: string; cwd?: string; env?: Record<string, string> }): void {
  for (const args of steps) {
    const r = runCli(args, options);
    if (r.code !== 0) throw new Error(`${args.join(" ")}: ${r.stdout}\n${r.stderr}`);
  }
}

/** A grader config for `graders add`: the output equals the item's reference. */
export const EXACT_GRADER = {
  type: "string_check",
  name: "exact",
  input: "{{sample.output_text}}",
  reference: "{{item.reference}}",
  operation: "eq",
} as const;
