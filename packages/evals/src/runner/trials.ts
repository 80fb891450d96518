import type { SamplingParams } from "./sampler.ts";

/** Most trials per item a run may ask for (each trial is one more completion per item). */
export const MAX_TRIALS = 100;

/**
 * The key of one (item, trial) unit of a run, as `skip` takes it: the bare item id for trial 0 (so a single-trial
 * run's keys are its item ids), `id` + NUL + trial index otherwise.
 */
export function trialKey(itemId: string, trial: number): string {
  return trial === 0 ? itemId : `${itemId}\u0000${trial}`;
}

/**
 * The sampling parameters of trial `trial`: with a seed, trial t asks for seed + t, so trials differ while each stays
 * reproducible (and cacheable); without one they are the run's parameters as given.
 */
export function trialSamplingParams(params: SamplingParams | undefined, trial: number): SamplingParams | undefined {
  if (trial === 0 || params?.seed === undefined) return params;
  return { ...params, seed: params.seed + trial };
}
