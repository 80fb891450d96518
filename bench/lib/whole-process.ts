// Measures a whole process from the outside, the same way for tunelab and its peers: wall time from spawn to exit
// and the peak resident set size, read by GNU time (`/usr/bin/time -f %M`: the largest RSS of the process and its
// children). Without GNU time the peak is reported as unknown, never guessed.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const GNU_TIME = "/usr/bin/time";

export interface WholeProcess {
  /** Spawn -> exit, measured by the parent. */
  wallMs: number;
  /** Peak RSS of the process (or of its largest child), in bytes; null without GNU time. */
  peakRssBytes: number | null;
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface WholeProcessOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Called with each complete stdout line as it arrives. */
  onLine?: (line: string) => void;
}

export function runWholeProcess(command: string, args: readonly string[], options: WholeProcessOptions = {}): Promise<WholeProcess> {
  const measured = existsSync(GNU_TIME);
  const scratch = mkdtempSync(join(tmpdir(), "tunelab-bench-time-"));
  const timeFile = join(scratch, "peak-rss-kib");
  const [file, argv] = measured ? [GNU_TIME, ["-o", timeFile, "-f", "%M", command, ...args]] : [command, [...args]];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(file, argv, { cwd: options.cwd, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let pending = "";
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      stdout += chunk;
      if (!options.onLine) return;
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) options.onLine(line);
    });
    child.stderr.on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", (error) => {
      rmSync(scratch, { recursive: true, force: true });
      reject(error);
    });
    child.on("close", (code) => {
      const wallMs = performance.now() - started;
      if (pending !== "") options.onLine?.(pending);
      let peakRssBytes: number | null = null;
      if (measured && existsSync(timeFile)) {
        // GNU time writes "Command exited with non-zero status N" before the figure when the command fails
        const kib = Number(readFileSync(timeFile, "utf8").trim().split("\n").at(-1));
        if (Number.isFinite(kib) && kib > 0) peakRssBytes = kib * 1024;
      }
      rmSync(scratch, { recursive: true, force: true });
      resolve({ wallMs, peakRssBytes, code, stdout, stderr });
    });
  });
}
