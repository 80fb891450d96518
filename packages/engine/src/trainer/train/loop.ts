/**
 * The training loop (synchronous; runs inside a worker thread). Same request + seed → the same
 * batches, updates and bit-identical weights; a run resumed from a checkpoint continues exactly as
 * the uninterrupted run would have.
 */
import { join } from "node:path";
import { nativeKernels } from "../kernels/native.ts";
import type { Kernels } from "../kernels/types.ts";
import { backward } from "../model/backward.ts";
import { crossEntropy, type Dropout, siteSeed } from "../model/forward.ts";
import { saveModelDir, type TrainingState } from "../model-dir.ts";
import { type Encoded, encodeExample } from "../tokenizer/chat-template.ts";
import type { EarlyStop, StepMetrics, TrainingNotice, TrainRequest, TrainResult } from "../types.ts";
import { batchImageRows } from "../vision/image-rows.ts";
import { visionEncoding } from "../vision/spec.ts";
import { forwardBatch, placeImages } from "./batch-forward.ts";
import { makePackedBatch } from "./batches.ts";
import { DivergenceMonitor } from "./divergence.ts";
import { runEarlyStopping } from "./early-stopping.ts";
import { EpochOrder } from "./epoch-order.ts";
import { evaluate } from "./evaluate.ts";
import { baseLearningRate, learningRate, warmupSteps } from "./learning-rate.ts";
import { overLongNotice } from "./over-long.ts";
import { prepare } from "./setup.ts";

export interface LoopHooks {
  onStep?(metrics: StepMetrics): void;
  onCheckpoint?(dir: string, step: number, metrics: StepMetrics): void;
  /** Notices for the job's events, before the first step of a run that starts (not of one resumed). */
  onNotice?(notice: TrainingNotice): void;
  /** Polled once per step; true stops the run with TrainingCancelledError. */
  cancelled?(): boolean;
  /** Polled once per step; true stops the run with TrainingPausedError, after a checkpoint of the step reached. */
  pauseRequested?(): boolean;
}

export class TrainingCancelledError extends Error {
  constructor() {
    super("training was cancelled");
    this.name = "TrainingCancelledError";
  }
}

/** A run paused at a step boundary; a checkpoint of `step` is on disk (none when `step` is 0): resume from it. */
export class TrainingPausedError extends Error {
  constructor(readonly step: number) {
    super(`training was paused at step ${step}`);
    this.name = "TrainingPausedError";
  }
}

/**
 * A step boundary of a training loop: cancel() stops the run; pause() too, once `save` wrote a checkpoint of the step
 * reached (the loops skip it when that step's checkpoint is on disk already), so that the run resumed from it goes on
 * exactly as if it had never stopped (a pause checkpoint runs no validation, which could change early stopping).
 */
export function atStepBoundary(hooks: LoopHooks, step: number, save: () => void): void {
  if (hooks.cancelled?.()) throw new TrainingCancelledError();
  if (hooks.pauseRequested?.()) {
    save();
    throw new TrainingPausedError(step);
  }
}

/** Residual dropout during training; off by default (on the ticket-routing example 0.1 delayed learning). */
export const DEFAULT_DROPOUT = 0;

/** Validation runs this many times over a run (and at every checkpoint and the end). */
const VALIDATIONS_PER_RUN = 20;
const MAX_VALIDATION_EXAMPLES = 500;
/**
 * The divergence monitor's starting point is the mean loss before the first update of the first training examples (in
 * the run's order): up to START_LOSS_EXAMPLES of them, but no more once they hold START_LOSS_TOKENS tokens, and at
 * least MIN_START_LOSS_EXAMPLES. An untrained model's loss is about the same on every example, and on long examples
 * (long-tickets, ~409 tokens) 64 of them took about 1.0 s of a 9-11 s time to 95%; the 22 chosen now take 0.53 s.
 */
export const START_LOSS_EXAMPLES = 64;
export const START_LOSS_TOKENS = 8192;
export const MIN_START_LOSS_EXAMPLES = 8;

/** The examples (given in the run's order) whose mean loss before training starts the divergence monitor. */
export function startLossExamples(ordered: readonly Encoded[]): Encoded[] {
  const chosen: Encoded[] = [];
  let tokens = 0;
  for (const example of ordered.slice(0, START_LOSS_EXAMPLES)) {
    if (chosen.length >= MIN_START_LOSS_EXAMPLES && tokens >= START_LOSS_TOKENS) break;
    chosen.push(example);
    tokens += example.tokens.length;
  }
  return chosen;
}

export function runTraining(request: TrainRequest, hooks: LoopHooks = {}, k: Kernels = nativeKernels()): TrainResult {
  const { model, tokenizer, optimizer, state } = prepare(request, k);
  const vision = visionEncoding(model.spec);
  const encode = (e: TrainRequest["training"][number]) => encodeExample(tokenizer, e, vision);
  const train: Encoded[] = request.training.map(encode);
  const valid: Encoded[] = (request.validation ?? []).slice(0, MAX_VALIDATION_EXAMPLES).map(encode);
  if (train.length === 0) throw new Error("the training file has no examples");
  const hp = request.hyperparameters;
  const B = Math.min(hp.batchSize, train.length);
  const stepsPerEpoch = Math.ceil(train.length / B);
  const total = hp.nEpochs * stepsPerEpoch;
  const peak = baseLearningRate(model.spec) * hp.learningRateMultiplier;
  const validEvery = Math.max(1, Math.round(total / VALIDATIONS_PER_RUN));
  const ctx = model.spec.contextLength;
  if (!state) {
    const counts = (examples: Encoded[]) => examples.map((e) => e.tokens.length);
    const notice = overLongNotice(
      { training: counts(train), validation: counts(valid), validationInFile: request.validation?.length ?? 0 },
      ctx,
    );
    if (notice) hooks.onNotice?.(notice);
  }
  const dropoutRate = request.dropout ?? DEFAULT_DROPOUT;
  // Early stopping needs a validation set; without one the patience is ignored. Validations before
  // 30% of the planned steps do not count toward patience (the format-before-content plateau).
  const early = runEarlyStopping({
    patience: hp.earlyStoppingPatience,
    validationExamples: valid.length,
    totalSteps: total,
    paramCount: (model.params as Float32Array).length,
    resumeFrom: state ? request.resumeFrom : undefined,
  });
  let earlyStop: EarlyStop | undefined;

  let step = state?.step ?? 0;
  let trainedTokens = state?.trainedTokens ?? 0;
  const order = new EpochOrder(train.length, stepsPerEpoch, request.seed, state?.rng, step);
  let last: StepMetrics | undefined;
  // Training health: a resumed run continues with the state its checkpoint saved.
  const health = new DivergenceMonitor(
    warmupSteps(total),
    { totalSteps: total, learningRateMultiplier: hp.learningRateMultiplier },
    state && request.resumeFrom ? DivergenceMonitor.load(request.resumeFrom) : undefined,
  );
  if (!state) health.setStart(evaluate(model, startLossExamples(order.first(START_LOSS_EXAMPLES).map((i) => train[i] as Encoded)), B).loss);

  const checkpoint = (dir: string, withOptimizer: boolean, metrics: StepMetrics) => {
    const trainingState: TrainingState = {
      step,
      totalSteps: total,
      seed: request.seed,
      rng: order.checkpointState(step, total),
      trainedTokens,
      hyperparameters: hp,
      metrics,
    };
    saveModelDir(dir, {
      spec: model.spec,
      tokenizer,
      weights: model.params as Float32Array,
      ...(withOptimizer ? { optimizer: { m: optimizer.m as Float32Array, v: optimizer.v as Float32Array }, state: trainingState } : {}),
    });
    if (withOptimizer) {
      health.save(dir);
      early?.save(dir);
    }
  };

  // the step of the checkpoint on disk: the one resumed from, the last written (0: none, nothing trained yet)
  let saved = step;
  const savePaused = () => {
    if (step === saved || !last) return;
    const dir = join(request.outputDir, `step-${step}`);
    checkpoint(dir, true, last);
    hooks.onCheckpoint?.(dir, step, last);
  };
  while (step < total) {
    atStepBoundary(hooks, step, savePaused);
    const indices = order.batch(step, B);
    const batch = makePackedBatch(train, indices, ctx, hp.promptLossWeight ?? 0);
    const images = placeImages(batch, vision ? batchImageRows(k, vision.spec, train, indices, batch.T, ctx) : undefined);
    const dropout: Dropout = { p: dropoutRate, seed: siteSeed(request.seed, step, 1) };
    const rows = forwardBatch(model, batch, dropout, images);
    const s = crossEntropy(model, batch.targets, batch.mask, rows, true, batch.weights);
    backward(model, batch.ids, batch.B, batch.T, dropout, images);
    optimizer.step(model, step + 1, learningRate(step, total, peak));
    step++;
    trainedTokens += s.weightSum;
    const metrics: StepMetrics = {
      step,
      totalSteps: total,
      trainLoss: s.weightSum > 0 ? s.lossSum / s.weightSum : 0,
      trainMeanTokenAccuracy: s.weightSum > 0 ? s.correctSum / s.weightSum : 0,
      trainedTokens,
    };
    const isCheckpoint = step % request.checkpointEvery === 0 || step === total;
    if (valid.length > 0 && (step % validEvery === 0 || isCheckpoint)) {
      const v = evaluate(model, valid, B);
      metrics.validLoss = v.loss;
      metrics.validMeanTokenAccuracy = v.accuracy;
      // only the evenly spaced validations count toward patience; those at checkpoints may still improve the best
      earlyStop = early?.observe(step, v.loss, v.accuracy, model.params as Float32Array, step % validEvery === 0);
    }
    last = metrics;
    hooks.onStep?.(metrics);
    health.observe(step, metrics.trainLoss); // throws TrainingDivergedError
    if (isCheckpoint) {
      const dir = join(request.outputDir, `step-${step}`);
      checkpoint(dir, true, metrics);
      saved = step;
      hooks.onCheckpoint?.(dir, step, metrics);
    }
    if (earlyStop) {
      early?.restoreBest(model.params as Float32Array);
      break;
    }
  }
  const finalModelDir = join(request.outputDir, "final");
  const final = last ?? { step, totalSteps: total, trainLoss: 0, trainMeanTokenAccuracy: 0, trainedTokens };
  checkpoint(finalModelDir, false, final);
  return { finalModelDir, trainedTokens, steps: step, metrics: final, ...(earlyStop ? { earlyStop } : {}) };
}
