import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { type Grade, GraderError } from "../grade.ts";
import type { EvalItem, Sample } from "../item.ts";
import { DeclaredEnv, sandboxEnv } from "../sandbox/env.ts";
import { clipGraderText, DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_PYTHON_MEMORY_MB, formatBytes } from "../sandbox/limits.ts";
import { type ProcessOutcome, runSandboxed } from "../sandbox/run-process.ts";
import { sampleChoices } from "../template/sample-choices.ts";
import { configObject } from "./config-object.ts";
import { graderName, passThreshold } from "./fields.ts";
import type { Grader, GraderContext } from "./grader.ts";
import { PYTHON_HARNESS } from "./python-harness.ts";

/**
 * OpenAI's `python` grader: `source` defines `grade(sample, item) -> float`. `image_tag` is accepted and ignored.
 * `env` (a tunelab extension) names the server's environment variables the grader may read; it gets no others.
 */
export const PythonConfig = configObject({
  type: z.literal("python"),
  name: graderName,
  source: z.string().min(1),
  image_tag: z.string().optional(),
  pass_threshold: passThreshold.optional(),
  env: DeclaredEnv.optional(),
});
export type PythonConfig = z.infer<typeof PythonConfig>;

export const DEFAULT_PYTHON_TIMEOUT_MS = 10_000;

const interpreters = new Map<string, Promise<string>>();

/**
 * The real interpreter behind `python` (its `sys.executable`), asked once in the server's own environment and
 * working directory: shims (pyenv, asdf) choose the interpreter from `HOME` and `.python-version`, which a grader's
 * sandbox does not have.
 */
export function resolvePython(python: string): Promise<string> {
  const known = interpreters.get(python);
  if (known) return known;
  const resolved = new Promise<string>((resolve, reject) => {
    execFile(
      python,
      ["-c", "import sys; sys.stdout.write(sys.executable or '')"],
      { timeout: 30_000, windowsHide: true },
      (error, stdout) => {
        if (!error) return resolve(stdout.trim() || python);
        const message =
          (error as NodeJS.ErrnoException).code === "ENOENT"
            ? `python graders need Python 3: "${python}" was not found on this machine (install python3 or set the interpreter)`
            : `could not start ${python}: ${error.message}`;
        reject(new GraderError("other_error", message));
      },
    );
  });
  interpreters.set(python, resolved);
  resolved.catch(() => interpreters.delete(python));
  return resolved;
}

/**
 * Runs `source` with the machine's Python (`context.python`, default `python3`) in a sandbox: a fresh temporary
 * working directory (also its `HOME`, removed afterwards), a scrubbed environment (`sandboxEnv`: only the
 * variables in `declaredEnv`), an address-space cap of `context.memoryMb` for it and every process it starts, its own
 * process group killed as a whole when it ends or after `context.timeoutMs`, and stdout/stderr capped. Exceptions in
 * the grader are `python_grader_runtime_error`; a missing interpreter, a timeout or a limit reached is `other_error`.
 */
export async function runPython(
  source: string,
  sample: Sample,
  item: EvalItem,
  context: GraderContext,
  declaredEnv: readonly string[] = [],
): Promise<number> {
  const python = await resolvePython(context.python ?? "python3");
  const timeoutMs = context.timeoutMs ?? DEFAULT_PYTHON_TIMEOUT_MS;
  const memoryMb = context.memoryMb ?? DEFAULT_PYTHON_MEMORY_MB;
  const maxOutputBytes = context.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const dir = await mkdtemp(join(tmpdir(), "tunelab-grader-"));
  try {
    const outcome = await runSandboxed({
      command: python,
      args: ["-I", "-c", PYTHON_HARNESS, String(memoryMb * 1024 * 1024)],
      stdin: JSON.stringify({ source, sample: pythonSample(sample), item }),
      cwd: dir,
      env: sandboxEnv(dir, declaredEnv),
      timeoutMs,
      maxOutputBytes,
      signal: context.signal,
    });
    return scoreOf(outcome, { python, timeoutMs, memoryMb, maxOutputBytes });
  } finally {
    await rm(dir, { recursive: true, force: true, maxRetries: 2 }).catch(() => undefined);
  }
}

/**
 * The `sample` dict a python grader's `grade(sample, item)` receives: every key of OpenAI's (`choices`, `output_text`,
 * `output_json`, `output_tools`, `output_audio`), so `sample["choices"][0]["message"]["content"]` or
 * `sample["output_tools"]` work as they do there. `output_json` is None when the output is not JSON, `output_tools`
 * an empty list when the model called none, `output_audio` None (tunelab samples are text).
 */
export function pythonSample(sample: Sample): Record<string, unknown> {
  return {
    choices: sampleChoices(sample),
    output_text: sample.output_text,
    output_json: sample.output_json ?? null,
    output_tools: sample.output_tools ?? [],
    output_audio: null,
  };
}

const MEMORY_SIGNS = /\bMemoryError\b|Cannot allocate memory|out of memory|std::bad_alloc/i;

function scoreOf(outcome: ProcessOutcome, limits: { python: string; timeoutMs: number; memoryMb: number; maxOutputBytes: number }): number {
  const memory = () => new GraderError("other_error", `python grader exceeded its memory limit (${limits.memoryMb} MB) and was stopped`);
  switch (outcome.kind) {
    case "spawn_error":
      throw new GraderError(
        "other_error",
        outcome.error.code === "ENOENT"
          ? `python graders need Python 3: "${limits.python}" was not found on this machine (install python3 or set the interpreter)`
          : `could not start ${limits.python}: ${outcome.error.message}`,
      );
    case "timeout":
      throw new GraderError("other_error", `python grader timed out after ${limits.timeoutMs} ms (killed)`);
    case "aborted":
      throw new GraderError("other_error", "python grader aborted");
    case "output_limit":
      throw new GraderError(
        "other_error",
        `python grader wrote more than ${formatBytes(limits.maxOutputBytes)} to ${outcome.stream} (output limit; stopped)`,
      );
    case "exited": {
      let result: { score?: unknown; error?: unknown; memory_error?: unknown } | undefined;
      try {
        result = JSON.parse(outcome.stdout) as typeof result;
      } catch {
        result = undefined;
      }
      if (typeof result?.score === "number") return result.score;
      if (result?.memory_error === true) throw memory();
      if (typeof result?.error === "string") throw new GraderError("python_grader_runtime_error", clipGraderText(result.error));
      if (MEMORY_SIGNS.test(outcome.stderr)) throw memory();
      const how = outcome.signal ? `was killed by ${outcome.signal}` : `exited with code ${outcome.code}`;
      throw new GraderError("python_grader_runtime_error", `python ${how}: ${tail(outcome.stderr) || "no output"}`);
    }
  }
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
    const score = await runPython(config.source, sample, item, context, config.env ?? []);
    const threshold = config.pass_threshold ?? 0.5;
    return { score, passed: score >= threshold, reason: `python grade() returned ${score}` };
  },
};
