import { TunelabError } from "@tunelab/base";
import {
  MAX_TRIALS,
  MODEL_GRADER_MAX_ATTEMPTS,
  MODEL_GRADER_TIMEOUT_MS,
  type ModelGraderSettingsInput,
  ReasoningEffort,
  type SamplingParams,
} from "@tunelab/evals";
import { z } from "zod";

/** Temperature of a run with several trials when none is given: trials of a greedy (temperature 0) decoder agree. */
export const TRIALS_DEFAULT_TEMPERATURE = 1;

/** The longest a model grader's request may be given (`graderTimeoutSeconds`): an hour. */
export const MAX_GRADER_TIMEOUT_SECONDS = 3600;
/** The shortest: a millisecond (requests are timed in whole milliseconds). */
export const MIN_GRADER_TIMEOUT_SECONDS = 0.001;
/** The most requests a model grader may make per grade (`graderAttempts`), the first included. */
export const MAX_GRADER_ATTEMPTS = 10;
/** A model grader's request deadline when none is given: 60 s. */
export const DEFAULT_GRADER_TIMEOUT_SECONDS = MODEL_GRADER_TIMEOUT_MS / 1000;
/** Requests per grade when none is given: 3. */
export const DEFAULT_GRADER_ATTEMPTS = MODEL_GRADER_MAX_ATTEMPTS;

/** Seconds a model grader's (score_model, label_model) request may take before it is abandoned and retried. */
export const GraderTimeoutSeconds = z
  .number({ error: "expected a number of seconds" })
  .min(MIN_GRADER_TIMEOUT_SECONDS, `expected a number of seconds above 0 (at least ${MIN_GRADER_TIMEOUT_SECONDS})`)
  .max(MAX_GRADER_TIMEOUT_SECONDS, `expected at most ${MAX_GRADER_TIMEOUT_SECONDS} seconds (an hour)`);
/** Requests a model grader makes per grade, the first included (retries of timeouts, 429, 5xx with backoff). */
export const GraderAttempts = z
  .number({ error: "expected a whole number of attempts" })
  .int(`expected a whole number from 1 to ${MAX_GRADER_ATTEMPTS}`)
  .min(1, `expected a whole number from 1 to ${MAX_GRADER_ATTEMPTS}`)
  .max(MAX_GRADER_ATTEMPTS, `expected a whole number from 1 to ${MAX_GRADER_ATTEMPTS}`);

/**
 * How an eval run samples: `trials` completions per item (default 1) and, optionally, the sampling temperature and a
 * reasoning model's `reasoningEffort` (sent as `reasoning_effort`; a model that refuses it is asked without it).
 * With `trials` > 1 and no temperature, the run samples at temperature 1 (`TRIALS_DEFAULT_TEMPERATURE`): repeated
 * greedy answers would only measure a provider's non-determinism. Give `temperature: 0` to measure exactly that.
 */
export const EvalSettings = z.strictObject({
  trials: z.number().int().min(1).max(MAX_TRIALS).default(1),
  temperature: z.number().min(0).max(2).optional(),
  reasoningEffort: ReasoningEffort.optional(),
  /**
   * Each model grader request's deadline in seconds (default 60) and requests per grade (default 3): how the run's
   * score_model and label_model graders wait for a slow grader model. They do not change what is measured, so they
   * stay out of an experiment's identity and a standalone run is resumed with the values it started with.
   */
  graderTimeoutSeconds: GraderTimeoutSeconds.optional(),
  graderAttempts: GraderAttempts.optional(),
});
export type EvalSettings = z.infer<typeof EvalSettings>;
export type EvalSettingsInput = z.input<typeof EvalSettings>;

/**
 * The settings, checked: a bad value is an `invalid_argument` error naming its field and what was expected (e.g.
 * `graderAttempts: expected a whole number from 1 to 10, got 0`), thrown before anything is stored.
 */
export function parseEvalSettings(input: unknown): EvalSettings {
  const parsed = EvalSettings.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.code === "unrecognized_keys" ? (issue.keys[0] ?? "") : (issue?.path.join(".") ?? "");
  const given = field && input && typeof input === "object" ? (input as Record<string, unknown>)[field] : undefined;
  throw new TunelabError(
    "invalid_argument",
    `${field || "evaluation"}: ${issue?.code === "unrecognized_keys" ? "not a setting of an eval run" : (issue?.message ?? "invalid")}${given === undefined ? "" : `, got ${JSON.stringify(given)}`}; nothing was done`,
    { details: { field } },
  );
}

/** The sampling parameters a run with these settings uses, from the run's defaults. */
export function evalSampling(base: SamplingParams, settings: EvalSettings): SamplingParams {
  const effort = settings.reasoningEffort === undefined ? base : { ...base, reasoning_effort: settings.reasoningEffort };
  if (settings.temperature !== undefined) return { ...effort, temperature: settings.temperature };
  if (settings.trials > 1 && (base.temperature ?? 0) === 0) return { ...effort, temperature: TRIALS_DEFAULT_TEMPERATURE };
  return effort;
}

/** True for the settings every run had before trials existed (kept out of experiment identity); grader deadlines aside. */
export function isDefaultEvalSettings(settings: EvalSettings): boolean {
  return settings.trials === 1 && settings.temperature === undefined && settings.reasoningEffort === undefined;
}

/** What of the settings is part of an experiment's identity: how it samples, not how long its graders wait. */
export function evalIdentity(settings: EvalSettings): Omit<EvalSettings, "graderTimeoutSeconds" | "graderAttempts"> {
  const { graderTimeoutSeconds: _timeout, graderAttempts: _attempts, ...identity } = settings;
  return identity;
}

/** The model-grader deadline and attempts an eval run records: the ones given, else 60 s and 3. */
export interface GraderDeadline {
  graderTimeoutSeconds: number;
  graderAttempts: number;
}

export function graderDeadline(settings: Pick<EvalSettings, "graderTimeoutSeconds" | "graderAttempts">): GraderDeadline {
  return {
    graderTimeoutSeconds: settings.graderTimeoutSeconds ?? DEFAULT_GRADER_TIMEOUT_SECONDS,
    graderAttempts: settings.graderAttempts ?? DEFAULT_GRADER_ATTEMPTS,
  };
}

/** A run's recorded deadline as evals' model-grader settings (whole milliseconds; the runner's backoff). */
export function modelGraderSettings(deadline: GraderDeadline): ModelGraderSettingsInput {
  return { timeoutMs: Math.max(1, Math.round(deadline.graderTimeoutSeconds * 1000)), maxAttempts: deadline.graderAttempts };
}
