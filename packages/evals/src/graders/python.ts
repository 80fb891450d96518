import { spawn } from "node:child_process";
import { z } from "zod";
import { type Grade, GraderError } from "../grade.ts";
import type { EvalItem, Sample } from "../item.ts";
import { graderName, passThreshold } from "./fields.ts";
import type { Grader, GraderContext } from "./grader.ts";
import { PYTHON_HARNESS } from "./python-harness.ts";

/** OpenAI's `python` grader: `source` defines `grade(sample, item) -> float`. `image_tag` is accepted and ignored. */
export const PythonConfig = z.object({
  type: z.literal("python"),
  name: graderName,
  source: z.string().min(1),
  image_tag: z.string().optional(),
  pass_threshold: passThreshold.optional(),
});
export type PythonConfig = z.infer<typeof PythonConfig>;

export const DEFAULT_PYTHON_TIMEOUT_MS = 10_000;
const MAX_OUTPUT = 1 << 20;

/**
 * Runs `source` with the machine's Python (`context.python`, default `python3`) in a subprocess, killed after
 * `context.timeoutMs`. Exceptions in the grader are `python_grader_runtime_error`; a missing interpreter or a
 * timeout is `other_error`.
 */
export function runPython(source: string, sample: Sample, item: EvalItem, context: GraderContext): Promise<number> {
  const python = context.python ?? "python3";
  const timeoutMs = context.timeoutMs ?? DEFAULT_PYTHON_TIMEOUT_MS;
  return new Promise<number>((resolve, reject) => {
    const child = spawn(python, ["-c", PYTHON_HARNESS], { stdio: ["pipe", "pipe", "pipe"], windowsHide: true });
    let stdout = "";
    let stderr = "";
    let settled = false;
    const finish = (outcome: { score: number } | { error: GraderError }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      context.signal?.removeEventListener("abort", onAbort);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      if ("score" in outcome) resolve(outcome.score);
      else reject(outcome.error);
    };
    const timer = setTimeout(
      () => finish({ error: new GraderError("other_error", `python grader timed out after ${timeoutMs} ms (killed)`) }),
      timeoutMs,
    );
    const onAbort = (): void => finish({ error: new GraderError("other_error", "python grader aborted") });
    context.signal?.addEventListener("abort", onAbort, { once: true });
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      if (stdout.length < MAX_OUTPUT) stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      if (stderr.length < MAX_OUTPUT) stderr += chunk;
    });
    child.on("error", (error: NodeJS.ErrnoException) => {
      const message =
        error.code === "ENOENT"
          ? `python graders need Python 3: "${python}" was not found on this machine (install python3 or set the interpreter)`
          : `could not start ${python}: ${error.message}`;
      finish({ error: new GraderError("other_error", message) });
    });
    child.stdin.on("error", () => {
      // The process exited before reading its input; the close handler reports why.
    });
    child.on("close", (code) => {
      if (settled) return;
      let result: { score?: unknown; error?: unknown } | undefined;
      try {
        result = JSON.parse(stdout) as typeof result;
      } catch {
        result = undefined;
      }
      if (typeof result?.score === "number") return finish({ score: result.score });
      const detail = typeof result?.error === "string" ? result.error : `python exited with code ${code}: ${tail(stderr) || "no output"}`;
      finish({ error: new GraderError("python_grader_runtime_error", detail) });
    });
    child.stdin.end(JSON.stringify({ source, sample, item }));
  });
}

function tail(text: string): string {
  const trimmed = text.trim();
  return trimmed.length > 2000 ? `…${trimmed.slice(-2000)}` : trimmed;
}

/** Without `pass_threshold`, a score of 0.5 or more passes. */
export const pythonGrader: Grader<PythonConfig> = {
  type: "python",
  config: PythonConfig,
  async grade(config, sample, item, context): Promise<Grade> {
    const score = await runPython(config.source, sample, item, context);
    const threshold = config.pass_threshold ?? 0.5;
    return { score, passed: score >= threshold, reason: `python grade() returned ${score}` };
  },
};
