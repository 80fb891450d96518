/**
 * DPO on a `local-*` model (synchronous; runs in the trainer's worker thread): the same objective as
 * hf/lora/dpo.ts, on every weight of the from-scratch transformer. The reference is the model before
 * DPO (a tuned model the job continues from, or the seeded base), evaluated once before the first
 * update; a resumed run rebuilds it from the same starting point. Checkpoints, metrics and
 * bit-identical resume as in loop.ts.
 */
import { join } from "node:path";
import { nativeKernels } from "../kernels/native.ts";
import type { Kernels } from "../kernels/types.ts";
import { backward } from "../model/backward.ts";
import { crossEntropy, forward } from "../model/forward.ts";
import type { Transformer } from "../model/transformer.ts";
import { saveModelDir, type TrainingState } from "../model-dir.ts";
import { type Encoded, encodeExample } from "../tokenizer/chat-template.ts";
import type { Tokenizer } from "../tokenizer/tokenizer.ts";
import type { PreferenceExample, StepMetrics, TrainRequest, TrainResult } from "../types.ts";
import { makeBatch } from "./batches.ts";
import { EpochOrder } from "./epoch-order.ts";
import { baseLearningRate, learningRate } from "./learning-rate.ts";
import { atStepBoundary, type LoopHooks } from "./loop.ts";
import { overLongNotice } from "./over-long.ts";
import { prepare } from "./setup.ts";

const VALIDATIONS_PER_RUN = 20;
const MAX_VALIDATION_PAIRS = 200;

interface Pair {
  chosen: Encoded;
  rejected: Encoded;
}

/** The conversation + response, with loss only on the response's tokens (what follows the input). */
function encodeResponse(tok: Tokenizer, e: PreferenceExample, response: PreferenceExample["preferred_output"]): Encoded {
  const prompt = encodeExample(tok, { messages: e.input.messages, tools: e.input.tools });
  const full = encodeExample(tok, { messages: [...e.input.messages, ...response], tools: e.input.tools });
  const lossMask = full.lossMask.map((m, i) => (i >= prompt.tokens.length ? m : 0));
  return { ...full, lossMask };
}

/** Conversations that teach the tokenizer of an untrained base (both responses of every pair). */
export function preferenceTexts(pairs: PreferenceExample[]): TrainRequest["training"] {
  return pairs.flatMap((e) => [
    { messages: [...e.input.messages, ...e.preferred_output], tools: e.input.tools },
    { messages: [...e.input.messages, ...e.non_preferred_output], tools: e.input.tools },
  ]);
}

/** Σ log-probabilities of each row's response tokens (rows: chosen₀, rejected₀, …), and the batch. */
function rowLogprobs(model: Transformer, pairs: Pair[], indices: number[], ctx: number) {
  const rows: Encoded[] = indices.flatMap((i) => [(pairs[i] as Pair).chosen, (pairs[i] as Pair).rejected]);
  const b = makeBatch(
    rows,
    rows.map((_, i) => i),
    ctx,
  );
  const ws = forward(model, b.ids, b.B, b.T);
  crossEntropy(model, b.targets, b.mask, b.B * b.T, false);
  const sums = new Float64Array(b.B);
  for (let r = 0; r < b.B * b.T; r++) {
    const row = Math.floor(r / b.T);
    if ((b.mask[r] as number) !== 0) sums[row] = (sums[row] as number) - (ws.losses[r] as number);
  }
  return { sums, batch: b };
}

export function runDpoTraining(request: TrainRequest, hooks: LoopHooks = {}, k: Kernels = nativeKernels()): TrainResult {
  const method = request.method;
  if (method?.type !== "dpo") throw new Error("not a DPO request");
  const prefs = request.preferences?.training ?? [];
  const withTexts: TrainRequest = { ...request, training: preferenceTexts(prefs) };
  const { model, tokenizer, optimizer, state } = prepare(withTexts, k);
  const pair = (e: PreferenceExample): Pair => ({
    chosen: encodeResponse(tokenizer, e, e.preferred_output),
    rejected: encodeResponse(tokenizer, e, e.non_preferred_output),
  });
  const train = prefs.map(pair);
  const valid = (request.preferences?.validation ?? []).slice(0, MAX_VALIDATION_PAIRS).map(pair);
  if (train.length === 0) throw new Error("the training file has no examples");
  const ctx = model.spec.contextLength;
  if (!state) {
    const longer = (pairs: Pair[]) => pairs.map((p) => Math.max(p.chosen.tokens.length, p.rejected.tokens.length));
    const validationInFile = request.preferences?.validation?.length ?? 0;
    const notice = overLongNotice({ training: longer(train), validation: longer(valid), validationInFile }, ctx, "preference pairs");
    if (notice) hooks.onNotice?.(notice);
  }
  const hp = request.hyperparameters;
  const B = Math.min(hp.batchSize, train.length);
  const stepsPerEpoch = Math.ceil(train.length / B);
  const total = hp.nEpochs * stepsPerEpoch;
  const peak = baseLearningRate(model.spec) * hp.learningRateMultiplier;
  const validEvery = Math.max(1, Math.round(total / VALIDATIONS_PER_RUN));

  // The reference: the starting model (rebuilt from the request's starting point when resuming).
  const { resumeFrom: _resumed, ...fromStart } = withTexts;
  const start = state ? prepare(fromStart, k).model : model;
  const referenceOf = (pairs: Pair[]) => {
    const out = new Float64Array(2 * pairs.length);
    for (let i = 0; i < pairs.length; i += B) {
      const idx = Array.from({ length: Math.min(B, pairs.length - i) }, (_, j) => i + j);
      out.set(rowLogprobs(start, pairs, idx, ctx).sums, 2 * i);
    }
    return out;
  };
  const refTrain = referenceOf(train);
  const refValid = referenceOf(valid);

  let step = state?.step ?? 0;
  let trainedTokens = state?.trainedTokens ?? 0;
  const order = new EpochOrder(train.length, stepsPerEpoch, request.seed, state?.rng, step);
  let last: StepMetrics | undefined;

  const margins = (ref: Float64Array, idx: number[], sums: Float64Array) =>
    idx.map(
      (pi, p) =>
        method.beta * ((sums[2 * p] as number) - (ref[2 * pi] as number) - ((sums[2 * p + 1] as number) - (ref[2 * pi + 1] as number))),
    );
  const softplus = (x: number) => (x > 30 ? x : Math.log1p(Math.exp(x)));
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
    const idx = order.batch(step, B);
    const { sums, batch } = rowLogprobs(model, train, idx, ctx);
    const z = margins(refTrain, idx, sums);
    // dL/d(token loss) = ±β·σ(−z)/P; crossEntropy divides its gradient weights by the mask's sum, so scale by it.
    let maskSum = 0;
    for (const m of batch.mask) maskSum += m;
    const gradWeights = new Float32Array(batch.mask.length);
    let tokens = 0;
    for (let r = 0; r < batch.B * batch.T; r++) {
      const m = batch.mask[r] as number;
      if (m === 0) continue;
      const row = Math.floor(r / batch.T);
      const zi = z[Math.floor(row / 2)] as number;
      const g = method.beta / (1 + Math.exp(zi)) / idx.length;
      gradWeights[r] = (row % 2 === 0 ? g : -g) * m * maskSum;
      tokens++;
    }
    crossEntropy(model, batch.targets, batch.mask, batch.B * batch.T, true, gradWeights);
    backward(model, batch.ids, batch.B, batch.T);
    optimizer.step(model, step + 1, learningRate(step, total, peak));
    step++;
    trainedTokens += tokens;
    const metrics: StepMetrics = {
      step,
      totalSteps: total,
      trainLoss: z.reduce((s, x) => s + softplus(-x), 0) / z.length,
      trainMeanTokenAccuracy: z.filter((x) => x > 0).length / z.length,
      trainedTokens,
    };
    const isCheckpoint = step % request.checkpointEvery === 0 || step === total;
    if (valid.length > 0 && (step % validEvery === 0 || isCheckpoint)) {
      let loss = 0;
      let correct = 0;
      for (let i = 0; i < valid.length; i += B) {
        const vIdx = Array.from({ length: Math.min(B, valid.length - i) }, (_, j) => i + j);
        for (const x of margins(refValid, vIdx, rowLogprobs(model, valid, vIdx, ctx).sums)) {
          loss += softplus(-x);
          if (x > 0) correct++;
        }
      }
      metrics.validLoss = loss / valid.length;
      metrics.validMeanTokenAccuracy = correct / valid.length;
    }
    last = metrics;
    hooks.onStep?.(metrics);
    if (!Number.isFinite(metrics.trainLoss)) throw new Error(`DPO diverged at step ${step}: the loss is ${metrics.trainLoss}`);
    if (isCheckpoint) {
      const dir = join(request.outputDir, `step-${step}`);
      checkpoint(dir, true, metrics);
      saved = step;
      hooks.onCheckpoint?.(dir, step, metrics);
    }
  }
  const finalModelDir = join(request.outputDir, "final");
  const final = last ?? { step, totalSteps: total, trainLoss: 0, trainMeanTokenAccuracy: 0, trainedTokens };
  checkpoint(finalModelDir, false, final);
  return { finalModelDir, trainedTokens, steps: step, metrics: final };
}
