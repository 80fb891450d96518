// Runs a benchmark part in its own Node process (`node --import tsx FILE ARGS`), so start-up time and peak memory
// are measured per part, not polluted by the parts before it.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** Children print one line `RESULT_PREFIX{json}` with their figures; every other line is passed through. */
export const RESULT_PREFIX = "@@bench-result ";
/** Wall-clock time (ms since the epoch) just before the child was spawned, for start-up measurements. */
export const SPAWNED_AT_ENV = "TUNELAB_BENCH_SPAWNED_AT";

export interface ChildOutput<R> {
  result: R | undefined;
  /** Every line the child printed that is not the result line. */
  lines: string[];
}

export function runChild<R>(file: string, args: readonly string[], options: { echo?: boolean } = {}): Promise<ChildOutput<R>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", file, ...args], {
      cwd: ROOT,
      env: { ...process.env, [SPAWNED_AT_ENV]: String(Date.now()) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let buffered = "";
    let result: R | undefined;
    const lines: string[] = [];
    const take = (line: string) => {
      if (line.startsWith(RESULT_PREFIX)) result = JSON.parse(line.slice(RESULT_PREFIX.length)) as R;
      else if (line !== "") {
        lines.push(line);
        if (options.echo) console.log(line);
      }
    };
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      buffered += chunk;
      const parts = buffered.split("\n");
      buffered = parts.pop() ?? "";
      for (const part of parts) take(part);
    });
    child.on("error", reject);
    child.on("close", (code) => {
      take(buffered);
      if (code === 0) resolve({ result, lines });
      else reject(new Error(`${file} ${args.join(" ")} exited with code ${code}`));
    });
  });
}

/** Prints the result line a parent `runChild` picks up. */
export function reportResult(result: unknown): void {
  console.log(`${RESULT_PREFIX}${JSON.stringify(result)}`);
}

/** Milliseconds since the parent spawned this process (NaN when not spawned by `runChild`). */
export function sinceSpawn(): number {
  const at = Number(process.env[SPAWNED_AT_ENV]);
  return Number.isFinite(at) && at > 0 ? Date.now() - at : Number.NaN;
}
