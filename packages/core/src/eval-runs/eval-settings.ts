import { MAX_TRIALS, ReasoningEffort, type SamplingParams } from "@tunelab/evals";
import { z } from "zod";

/** Temperature of a run with several trials when none is given: trials of a greedy (temperature 0) decoder agree. */
export const TRIALS_DEFAULT_TEMPERATURE = 1;

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
});
export type EvalSettings = z.infer<typeof EvalSettings>;
export type EvalSettingsInput = z.input<typeof EvalSettings>;

/** The sampling parameters a run with these settings uses, from the run's defaults. */
export function evalSampling(base: SamplingParams, settings: EvalSettings): SamplingParams {
  const effort = settings.reasoningEffort === undefined ? base : { ...base, reasoning_effort: settings.reasoningEffort };
  if (settings.temperature !== undefined) return { ...effort, temperature: settings.temperature };
  if (settings.trials > 1 && (base.temperature ?? 0) === 0) return { ...effort, temperature: TRIALS_DEFAULT_TEMPERATURE };
  return effort;
}

/** True for the settings every run had before trials existed (kept out of experiment identity). */
export function isDefaultEvalSettings(settings: EvalSettings): boolean {
  return settings.trials === 1 && settings.temperature === undefined && settings.reasoningEffort === undefined;
}
