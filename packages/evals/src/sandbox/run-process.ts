import { spawn } from "node:child_process";

/** One program run as a grader: its own process group, a scrubbed environment, a time limit and an output cap. */
export interface SandboxedProcess {
  command: string;
  args: readonly string[];
  /** Written to the program's stdin, which is then closed. */
  stdin: string;
  cwd: string;
  /** The program's whole environment (see `sandboxEnv`). */
  env: Record<string, string>;
  timeoutMs: number;
  /** Bytes allowed on stdout and on stderr each; past it the process group is killed. */
  maxOutputBytes: number;
  signal?: AbortSignal | undefined;
}

export type ProcessOutcome =
  | { kind: "exited"; code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }
  | { kind: "timeout"; stderr: string }
  | { kind: "aborted" }
  | { kind: "output_limit"; stream: "stdout" | "stderr" }
  | { kind: "spawn_error"; error: NodeJS.ErrnoException };

/** How long to wait for the pipes to close after the process group is gone (a process that left the group may hold them). */
const PIPE_GRACE_MS = 1_000;

/**
 * Runs a program in a new process group (session) and resolves once it is over. Whatever ends it (exit, timeout,
 * abort, too much output), the whole group is killed with SIGKILL, so processes the program started in the
 * background do not outlive it. Never rejects.
 */
export function runSandboxed(run: SandboxedProcess): Promise<ProcessOutcome> {
  return new Promise<ProcessOutcome>((resolve) => {
    const posix = process.platform !== "win32";
    const child = spawn(run.command, [...run.args], {
      cwd: run.cwd,
      env: run.env,
      stdio: ["pipe", "pipe", "pipe"],
      detached: posix,
      windowsHide: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let ended: ProcessOutcome | undefined;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let resolved = false;
    let graceTimer: NodeJS.Timeout | undefined;

    const killGroup = (): void => {
      const pid = child.pid;
      if (pid === undefined) return;
      try {
        if (posix) process.kill(-pid, "SIGKILL");
        else child.kill("SIGKILL");
      } catch {
        // the group is already gone
      }
    };
    const end = (outcome: ProcessOutcome): void => {
      if (ended) return;
      ended = outcome;
      killGroup();
    };
    const done = (): void => {
      if (resolved) return;
      resolved = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      run.signal?.removeEventListener("abort", onAbort);
      killGroup();
      const stderr = Buffer.concat(err).toString("utf8");
      if (ended) resolve(ended.kind === "timeout" ? { kind: "timeout", stderr } : ended);
      else
        resolve({
          kind: "exited",
          code: exit?.code ?? null,
          signal: exit?.signal ?? null,
          stdout: Buffer.concat(out).toString("utf8"),
          stderr,
        });
    };

    const timer = setTimeout(() => end({ kind: "timeout", stderr: "" }), run.timeoutMs);
    const onAbort = (): void => end({ kind: "aborted" });
    if (run.signal?.aborted) end({ kind: "aborted" });
    else run.signal?.addEventListener("abort", onAbort, { once: true });

    child.stdout.on("data", (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > run.maxOutputBytes) end({ kind: "output_limit", stream: "stdout" });
      else out.push(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      errBytes += chunk.length;
      if (errBytes > run.maxOutputBytes) end({ kind: "output_limit", stream: "stderr" });
      else err.push(chunk);
    });
    child.on("error", (error: NodeJS.ErrnoException) => {
      end({ kind: "spawn_error", error });
      if (child.pid === undefined) done();
    });
    child.on("exit", (code, signal) => {
      exit = { code, signal };
      // the program is over: so is everything it started
      killGroup();
      graceTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        done();
      }, PIPE_GRACE_MS);
    });
    child.on("close", done);
    child.stdin.on("error", () => {
      // the program exited before reading its input; its exit says why
    });
    child.stdin.end(run.stdin);
  });
}
