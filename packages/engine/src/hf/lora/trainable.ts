/**
 * What an open-weight training run updates: LoRA adapters on frozen weights (the default), or every
 * weight (full fine-tuning). Either way one flat parameter vector and its gradient for AdamW, the
 * network that computes the gradient, the state a checkpoint resumes from, and how to save it.
 */
import type { Kernels, Vec } from "../../trainer/kernels/types.ts";
import type { TrainingState } from "../../trainer/model-dir.ts";
import { Rng } from "../../trainer/train/rng.ts";
import type { TrainRequest } from "../../trainer/types.ts";
import { isFullDir, loadFullDir, saveFullDir } from "../full/full-dir.ts";
import { flatten, fullLayout, weightViews } from "../full/params.ts";
import type { DecoderModel } from "../model/decoder.ts";
import { type HfBaseRef, loadLoraDir, saveLoraDir } from "./lora-dir.ts";
import { LoraParams, loraLayout } from "./params.ts";
import { DEFAULT_LORA, LoraSettings } from "./settings.ts";
import { activationBudgetBytes, LoraTrainModel } from "./train-model.ts";

/** Peak learning rates at multiplier 1: LoRA recipes' 2e-4 at r 16; full fine-tuning of small models 2e-5. */
export const LORA_BASE_LR = 2e-4;
export const FULL_BASE_LR = 2e-5;

export interface Trainable {
  kind: "lora" | "full";
  net: LoraTrainModel;
  params: Vec;
  grads: Vec;
  lora: LoraParams | null;
  peakLearningRate: number;
  /** Moments and state of the checkpoint resumed from. */
  resumed?: { optimizer?: { m: Float32Array; v: Float32Array }; state?: TrainingState };
  /** The parameters the run started from (DPO's reference): null for LoRA from the base (adapters with B = 0). */
  initial: Vec | null;
  save(dir: string, extra: { optimizer?: { m: Vec; v: Vec }; state?: TrainingState; method: string }): void;
}

/** `from`: a tuned model directory the job continues (its kind decides LoRA or full). */
export function createTrainable(
  request: TrainRequest,
  model: DecoderModel,
  base: HfBaseRef,
  from: string | undefined,
  k: Kernels,
): Trainable {
  const full = from ? isFullDir(from) : request.fullFineTune === true;
  const budget = request.activationBudgetBytes ?? activationBudgetBytes();
  if (full) {
    const layout = fullLayout(model.arch);
    const loaded = request.resumeFrom
      ? loadFullDir(request.resumeFrom, model.arch, layout, k)
      : from
        ? loadFullDir(from, model.arch, layout, k)
        : undefined;
    const params = loaded?.params ?? flatten(k, model.arch, layout, model.weights);
    const grads = k.alloc(layout.size);
    const trainModel: DecoderModel = { ...model, weights: weightViews(model.arch, layout, params) };
    // The loaded weights (bf16 as stored: 2 bytes a parameter) are copied into `params`; the caller's model now points
    // at the trained copy, so the loaded ones are freed (1 GB on Qwen2.5-0.5B) instead of living through the run.
    model.weights = trainModel.weights;
    const net = new LoraTrainModel(trainModel, null, { grads: weightViews(model.arch, layout, grads), flat: grads }, "auto", budget);
    return {
      kind: "full",
      net,
      params,
      grads,
      lora: null,
      peakLearningRate: FULL_BASE_LR * request.hyperparameters.learningRateMultiplier,
      ...(request.resumeFrom && loaded
        ? { resumed: { ...(loaded.optimizer ? { optimizer: loaded.optimizer } : {}), ...(loaded.state ? { state: loaded.state } : {}) } }
        : {}),
      initial: null,
      save: (dir, extra) => saveFullDir(dir, base, model.arch, layout, params, extra),
    };
  }
  const resume = request.resumeFrom ? loadLoraDir(request.resumeFrom, model.arch, k) : undefined;
  const continued = from ? loadLoraDir(from, model.arch, k) : undefined;
  const start = resume ?? continued;
  const settings = start ? start.lora.settings : LoraSettings.parse(request.lora ?? DEFAULT_LORA);
  const lora = start?.lora ?? new LoraParams(k, loraLayout(model.arch, settings), settings);
  if (!start) lora.initialize(new Rng((request.seed ^ 0x2545f491) >>> 0));
  return {
    kind: "lora",
    net: new LoraTrainModel(model, lora, null, "auto", budget),
    params: lora.params,
    grads: lora.grads,
    lora,
    peakLearningRate: LORA_BASE_LR * request.hyperparameters.learningRateMultiplier,
    ...(resume
      ? { resumed: { ...(resume.optimizer ? { optimizer: resume.optimizer } : {}), ...(resume.state ? { state: resume.state } : {}) } }
      : {}),
    initial: continued ? continued.lora.params : null,
    save: (dir, extra) =>
      saveLoraDir(dir, base, lora, { ...extra, ...(request.lora?.baseWeights ? { baseWeights: request.lora.baseWeights } : {}) }),
  };
}
