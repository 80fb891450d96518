import {
  DEFAULT_GRADER_ATTEMPTS,
  DEFAULT_GRADER_TIMEOUT_SECONDS,
  EvalSettings,
  type EvalSettingsInput,
  MAX_GRADER_ATTEMPTS,
  MAX_GRADER_TIMEOUT_SECONDS,
} from "@tunelab/core";
import { type Command, InvalidArgumentError, Option } from "commander";

/** OpenAI's reasoning_effort values (evals' ReasoningEffort, the one schema of them). */
const REASONING_EFFORTS = EvalSettings.shape.reasoningEffort.unwrap().options;

function parseSetting(key: "trials" | "temperature" | "graderTimeoutSeconds" | "graderAttempts", text: string): number {
  const value = Number(text.trim());
  if (text.trim() === "" || !Number.isFinite(value)) throw new InvalidArgumentError(`expected a number, got "${text}"`);
  const checked = EvalSettings.shape[key].safeParse(value);
  if (!checked.success) throw new InvalidArgumentError(`${SETTING_NAMES[key]}: ${checked.error.issues[0]?.message ?? "invalid"}`);
  return value;
}

/** How an error names a setting (commander's message names the flag before it). */
const SETTING_NAMES = {
  trials: "trials",
  temperature: "temperature",
  graderTimeoutSeconds: "grader timeout",
  graderAttempts: "grader attempts",
} as const;

/**
 * `--trials`, `--temperature` and `--reasoning-effort`: how the eval run samples; `--grader-timeout` and
 * `--grader-attempts`: how long its model graders wait (commands that score a model).
 */
export function evalOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        "--trials <n>",
        "sample each test item N times (1 to 100; default 1): per-item pass rates, intervals over items and trials",
      ).argParser((text: string) => parseSetting("trials", text)),
    )
    .addOption(
      new Option("--temperature <t>", "sampling temperature of the eval run, 0 to 2 (default 0; 1 with --trials above 1)").argParser(
        (text: string) => parseSetting("temperature", text),
      ),
    )
    .addOption(
      new Option(
        "--reasoning-effort <level>",
        "reasoning_effort of a reasoning model's completions (OpenAI's o-series, gpt-5); a model that refuses it is asked without it, and the run says so",
      ).choices(REASONING_EFFORTS),
    )
    .addOption(
      new Option(
        "--grader-timeout <seconds>",
        `seconds each request of a model grader (score_model, label_model) may take before it is abandoned and retried, above 0 and up to ${MAX_GRADER_TIMEOUT_SECONDS} (default ${DEFAULT_GRADER_TIMEOUT_SECONDS}); for a slow local or hosted grader model`,
      ).argParser((text: string) => parseSetting("graderTimeoutSeconds", text)),
    )
    .addOption(
      new Option(
        "--grader-attempts <n>",
        `requests a model grader makes per grade, the first included, 1 to ${MAX_GRADER_ATTEMPTS} (default ${DEFAULT_GRADER_ATTEMPTS}): timeouts, 429 and 5xx are retried with backoff`,
      ).argParser((text: string) => parseSetting("graderAttempts", text)),
    );
}

/** The eval settings the user set on the command line, or undefined for the defaults. */
export function chosenEvaluation(options: {
  trials?: unknown;
  temperature?: unknown;
  reasoningEffort?: unknown;
  graderTimeout?: unknown;
  graderAttempts?: unknown;
}): EvalSettingsInput | undefined {
  const out: EvalSettingsInput = {};
  if (typeof options.trials === "number") out.trials = options.trials;
  if (typeof options.temperature === "number") out.temperature = options.temperature;
  if (typeof options.graderTimeout === "number") out.graderTimeoutSeconds = options.graderTimeout;
  if (typeof options.graderAttempts === "number") out.graderAttempts = options.graderAttempts;
  const effort = EvalSettings.shape.reasoningEffort.safeParse(options.reasoningEffort);
  if (effort.success && effort.data !== undefined) out.reasoningEffort = effort.data;
  return Object.keys(out).length === 0 ? undefined : out;
}
