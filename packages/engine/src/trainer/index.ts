/**
 * The CPU trainer's public API (the job system's side of the contract is in types.ts):
 * - startTraining(request): trains in a worker thread; step/checkpoint callbacks, result, cancel.
 * - loadModel(dir): a trained model directory → chat completions (KV-cached decoding).
 * - resolveHyperparameters(n, requested, context): `auto` values by the documented rules (steps and tokens seen).
 * - BASE_SIZES: the named base models (seeded random init; no pretrained weights).
 */
export {
  type AutoContext,
  type AutoRule,
  type RequestedHyperparameters,
  type ResolvedHyperparameters,
  resolveHyperparameters,
  toTrainerHyperparameters,
  totalSteps,
} from "./hyperparameters.ts";
export { loadModel, type ModelSource, openModel } from "./inference/load.ts";
export { parseToolCalls } from "./inference/tool-calls.ts";
export { NativeKernelsMissingError, nativeInfo } from "./kernels/native.ts";
export { BASE_MODELS, BASE_SIZES, type BaseSizeName, baseParamCount, baseSpec, isBaseSize } from "./model/sizes.ts";
export { loadModelDir } from "./model-dir.ts";
export { TrainingCancelledError, TrainingPausedError } from "./train/loop.ts";
export { type StartOptions, startTraining } from "./train/start.ts";
export type * from "./types.ts";
