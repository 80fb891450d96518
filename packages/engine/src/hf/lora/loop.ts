/**
 * Fine-tuning of an open-weight base, LoRA by default or every weight on request (synchronous; runs
 * in the trainer's worker thread), with
 * the same contract as the from-scratch loop (trainer/train/loop.ts): seeded data order, metrics per
 * step, validation, checkpoints every N steps, bit-identical resume.
 *
 * - Loss on the assistant tokens the model's own chat template marks (hf/tokenizer assistant mask),
 *   honouring `weight: 0`; `prompt_loss_weight` does not apply (the base already knows language).
 * - AdamW (β 0.9/0.999, ε 1e-8, no weight decay: PEFT/TRL's defaults for adapters), gradient-norm
 *   clipping at 1.0, linear warmup then cosine decay to 10% (learning-rate.ts).
 * - Peak learning rate × learning_rate_multiplier: 2e-4 for LoRA (the rate LoRA recipes use at r 16),
 *   2e-5 for full fine-tuning (trainable.ts).
 * - Examples longer than the training context keep their last tokens (the answer is at the end).
 * - Early stopping on the validation file when asked (`early_stopping_patience`, supervised only), as
 *   the from-scratch loop does it (train/early-stopping.ts: patience counted from 30% of the planned
 *   steps, the best validation's trainable weights kept, its state saved with each checkpoint).
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { nativeKernels } from "../../trainer/kernels/native.ts";
import type { Kernels, Vec } from "../../trainer/kernels/types.ts";
import type { TrainingState } from "../../trainer/model-dir.ts";
import { DivergenceMonitor } from "../../trainer/train/divergence.ts";
import { runEarlyStopping } from "../../trainer/train/early-stopping.ts";
import { EpochOrder } from "../../trainer/train/epoch-order.ts";
import { learningRate, warmupSteps } from "../../trainer/train/learning-rate.ts";
import { atStepBoundary, type LoopHooks, TrainingCancelledError } from "../../trainer/train/loop.ts";
import { overLongNotice } from "../../trainer/train/over-long.ts";
import type { EarlyStop, PreferenceExample, StepMetrics, TrainRequest, TrainResult } from "../../trainer/types.ts";
import { createChatCodec } from "../chat-codec.ts";
import { isFullDir, readFullBase } from "../full/full-dir.ts";
import { openHfDecoderModel } from "../load.ts";
import { quantizedBaseNotice } from "./base-memory.ts";
import { type Encoded, makeHfBatch } from "./batches.ts";
import { dpoGradient, type PreferencePair, sequenceLogprobs } from "./dpo.ts";
import { type HfBaseRef, isLoraDir, readLoraBase } from "./lora-dir.ts";
import type { LoraParams } from "./params.ts";
import { openWeightStartExamples } from "./start-loss.ts";
import { systemInUserNotice } from "./system-in-user.ts";
import type { LoraTrainModel } from "./train-model.ts";
import { createTrainable } from "./trainable.ts";
import { turnByTurnNotice } from "./turn-sequences.ts";

export const LORA_ADAM = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, clipNorm: 1.0 } as const;
/** Longest training sequence (tokens); longer examples keep their end. */
export const MAX_TRAIN_CONTEXT = 2048;
const VALIDATIONS_PER_RUN = 20;
const MAX_VALIDATION_EXAMPLES = 200;

/** Whether a request trains an open-weight model (a registered base, or a LoRA / fully tuned model of one). */
export function isOpenWeightRequest(request: TrainRequest): boolean {
  return "hf" in request.base || ("modelDir" in request.base && (isLoraDir(request.base.modelDir) || isFullDir(request.base.modelDir)));
}

function baseOf(request: TrainRequest): { base: HfBaseRef; from?: string } {
  if ("hf" in request.base) return { base: request.base.hf };
  if ("modelDir" in request.base) {
    const dir = request.base.modelDir;
    return { base: isFullDir(dir) ? readFullBase(dir) : readLoraBase(dir), from: dir };
  }
  throw new Error("not an open-weight request");
}

export async function runLoraTraining(request: TrainRequest, hooks: LoopHooks = {}, k: Kernels = nativeKernels()): Promise<TrainResult> {
  const { base, from } = baseOf(request);
  // a LoRA job may hold its frozen base in 8- or 4-bit blocks (base_quantization); full fine-tuning trains it in float32
  const held = request.fullFineTune ? undefined : request.lora?.baseWeights;
  const loading = performance.now();
  const model = openHfDecoderModel(base.dir, k, held ? { weights: held } : {});
  if (held && !request.resumeFrom)
    hooks.onNotice?.(quantizedBaseNotice(base.dir, held, model.weights, (performance.now() - loading) / 1000));
  const codec = await createChatCodec(base.dir, model.arch.vocab);
  const ctx = Math.min(model.rope.positions, MAX_TRAIN_CONTEXT);
  const trainable = createTrainable(request, model, base, from, k);
  const { net, params } = trainable;
  const m = k.alloc(params.length);
  const v = k.alloc(params.length);
  if (trainable.resumed?.optimizer) {
    m.set(trainable.resumed.optimizer.m);
    v.set(trainable.resumed.optimizer.v);
  }
  const state = trainable.resumed?.state;
  if (request.resumeFrom && !state) throw new Error(`${request.resumeFrom} is a model, not a resumable checkpoint`);

  const dpo = request.method?.type === "dpo" ? request.method : undefined;
  const encode = (e: TrainRequest["training"][number]): Encoded[] => codec.encodeTraining(e.messages, e.tools);
  const pair = (e: PreferenceExample): PreferencePair => ({
    chosen: codec.encodeResponse([...e.input.messages, ...e.preferred_output], e.input.tools),
    rejected: codec.encodeResponse([...e.input.messages, ...e.non_preferred_output], e.input.tools),
  });
  // an example is one sequence, or one per reply when its template rewrites earlier messages (turn-sequences.ts)
  const trainByExample: Encoded[][] = dpo ? [] : request.training.map(encode);
  const train: Encoded[] = trainByExample.flat();
  const valid: Encoded[] = dpo ? [] : (request.validation ?? []).slice(0, MAX_VALIDATION_EXAMPLES).flatMap(encode);
  const trainPairs = dpo ? (request.preferences?.training ?? []).map(pair) : [];
  const validPairs = dpo ? (request.preferences?.validation ?? []).slice(0, MAX_VALIDATION_EXAMPLES).map(pair) : [];
  if (!state) {
    const longer = (pairs: PreferencePair[]) => pairs.map((p) => Math.max(p.chosen.ids.length, p.rejected.ids.length));
    const validationInFile = (dpo ? request.preferences?.validation : request.validation)?.length ?? 0;
    const notice = dpo
      ? overLongNotice({ training: longer(trainPairs), validation: longer(validPairs), validationInFile }, ctx, "preference pairs")
      : overLongNotice({ training: train.map((e) => e.ids.length), validation: valid.map((e) => e.ids.length), validationInFile }, ctx);
    if (notice) hooks.onNotice?.(notice);
    const turnByTurn = dpo ? undefined : turnByTurnNotice(trainByExample);
    if (turnByTurn) hooks.onNotice?.(turnByTurn);
    const inputs = dpo ? (request.preferences?.training ?? []).map((e) => e.input) : request.training;
    const folded = inputs.filter((e) => codec.foldsSystem(e.messages, e.tools)).length;
    const systemInUser = systemInUserNotice(folded, inputs.length);
    if (systemInUser) hooks.onNotice?.(systemInUser);
  }
  const examples = dpo ? trainPairs.length : train.length;
  if (examples === 0) throw new Error("the training file has no examples");
  const hp = request.hyperparameters;
  const B = Math.min(hp.batchSize, examples);
  const stepsPerEpoch = Math.ceil(examples / B);
  const total = hp.nEpochs * stepsPerEpoch;
  const peak = trainable.peakLearningRate;
  const validEvery = Math.max(1, Math.round(total / VALIDATIONS_PER_RUN));
  // DPO's reference: the model before DPO (the adapter continued from, else the base: adapters with B = 0).
  if (dpo && !trainable.lora) throw new Error("DPO trains LoRA adapters; full fine-tuning with DPO is not supported");
  const reference =
    dpo && trainable.lora ? referenceLogprobs(net, trainable.lora, trainable.initial, trainPairs, validPairs, B, ctx) : undefined;

  const early = dpo
    ? undefined
    : runEarlyStopping({
        patience: hp.earlyStoppingPatience,
        validationExamples: valid.length,
        totalSteps: total,
        paramCount: params.length,
        resumeFrom: state ? request.resumeFrom : undefined,
      });
  let earlyStop: EarlyStop | undefined;

  let step = state?.step ?? 0;
  let trainedTokens = state?.trainedTokens ?? 0;
  const order = new EpochOrder(examples, stepsPerEpoch, request.seed, state?.rng, step);
  let last: StepMetrics | undefined;

  const evaluate = () => evaluateOn(valid);
  /** `beforeBatch`: called before each batch's forward pass (a cancel is honoured there, not only at step boundaries). */
  function evaluateOn(examples: Encoded[], beforeBatch?: () => void) {
    let lossSum = 0;
    let weightSum = 0;
    let correctSum = 0;
    for (let i = 0; i < examples.length; i += B) {
      beforeBatch?.();
      const b = makeHfBatch(
        examples,
        Array.from({ length: Math.min(B, examples.length - i) }, (_, j) => i + j),
        ctx,
      );
      net.forwardRows(b.ids, b, 0, false);
      const s = net.loss(b.targets, b.weights, false);
      lossSum += s.lossSum;
      weightSum += s.weightSum;
      correctSum += s.correctSum;
    }
    return { loss: weightSum > 0 ? lossSum / weightSum : 0, accuracy: weightSum > 0 ? correctSum / weightSum : 0 };
  }
  // Training health, as in the from-scratch loop: a resumed run continues with its checkpoint's state.
  const health = new DivergenceMonitor(
    warmupSteps(total),
    { totalSteps: total, learningRateMultiplier: hp.learningRateMultiplier },
    state && request.resumeFrom ? DivergenceMonitor.load(request.resumeFrom) : undefined,
  );
  // The loss before training (openWeightStartExamples: the first batch or 8 examples): on a 0.5B base each batch is
  // seconds of forward passes before step 1, so a cancel is honoured between them.
  const startCancelled = () => {
    if (hooks.cancelled?.()) throw new TrainingCancelledError();
  };
  if (!state) health.setStart(dpo ? Math.LN2 : evaluateOn(openWeightStartExamples(train, B), startCancelled).loss);
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
    trainable.save(dir, { ...(withOptimizer ? { optimizer: { m, v }, state: trainingState } : {}), method: dpo ? "dpo" : "supervised" });
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
  let recomputeNoticed = false;
  while (step < total) {
    atStepBoundary(hooks, step, savePaused);
    const seed = (request.seed * 1_000_003 + step) >>> 0;
    const indices = order.batch(step, B);
    let trainLoss: number;
    let trainAccuracy: number;
    if (dpo && reference) {
      const stats = dpoGradient(net, trainPairs, indices, rowsOf(reference.train, indices), dpo.beta, ctx, seed);
      trainLoss = stats.loss;
      trainAccuracy = stats.accuracy;
      trainedTokens += stats.tokens;
    } else {
      const batch = makeHfBatch(train, indices, ctx);
      // The mean loss over the batch's loss-bearing tokens: weights normalised before the gradient.
      let wsum = 0;
      for (const w of batch.weights) wsum += w;
      const scaled = batch.weights.map((w) => (wsum > 0 ? w / wsum : 0));
      net.forwardRows(batch.ids, batch, seed);
      if (net.recomputes && !recomputeNoticed) {
        recomputeNoticed = true;
        const gb = (batch.rows * net.activationBytesPerToken()) / 1e9;
        hooks.onNotice?.({
          level: "info",
          message: `Gradient checkpointing is on: saving every layer's activations for a batch of ${batch.B} examples (${batch.rows} tokens) would take ${gb.toFixed(1)} GB, over a quarter of this machine's memory; each layer's forward pass runs again in the backward pass instead (about a third more compute a step, the same result).`,
          data: { batch_size: batch.B, tokens: batch.rows, activation_bytes: Math.round(gb * 1e9) },
        });
      }
      const s = net.loss(batch.targets, scaled, true);
      net.backward();
      trainLoss = s.weightSum > 0 ? s.lossSum / s.weightSum : 0;
      trainAccuracy = s.weightSum > 0 ? s.correctSum / s.weightSum : 0;
      trainedTokens += wsum;
    }
    adamwStep(k, params, trainable.grads, m, v, step + 1, learningRate(step, total, peak));
    step++;
    const metrics: StepMetrics = { step, totalSteps: total, trainLoss, trainMeanTokenAccuracy: trainAccuracy, trainedTokens };
    const isCheckpoint = step % request.checkpointEvery === 0 || step === total;
    if ((valid.length > 0 || validPairs.length > 0) && (step % validEvery === 0 || isCheckpoint)) {
      const r = dpo && reference ? evaluateDpo(net, validPairs, reference.valid, dpo.beta, B, ctx) : evaluate();
      metrics.validLoss = r.loss;
      metrics.validMeanTokenAccuracy = r.accuracy;
      // only the evenly spaced validations count toward patience; those at checkpoints may still improve the best
      earlyStop = early?.observe(step, r.loss, r.accuracy, params as Float32Array, step % validEvery === 0);
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
      early?.restoreBest(params as Float32Array);
      break;
    }
  }
  const finalModelDir = join(request.outputDir, "final");
  const final = last ?? { step, totalSteps: total, trainLoss: 0, trainMeanTokenAccuracy: 0, trainedTokens };
  checkpoint(finalModelDir, false, final);
  // Full fine-tuning: the last step's checkpoint holds the AdamW moments (8 bytes a parameter, 10 GB at 1B) that only a
  // resumed run reads; once the final model is written the run never resumes past it, so they are deleted (its weights
  // and state.json stay: a restart after this point resumes at the last step and writes the final model again).
  if (trainable.kind === "full" && saved === total) rmSync(join(request.outputDir, `step-${total}`, "optimizer.bin"), { force: true });
  return { finalModelDir, trainedTokens, steps: step, metrics: final, ...(earlyStop ? { earlyStop } : {}) };
}

function adamwStep(k: Kernels, params: Vec, grads: Vec, m: Vec, v: Vec, t: number, lr: number): void {
  const n = params.length;
  const norm = Math.sqrt(k.sumsq(grads, n));
  const scale = norm > LORA_ADAM.clipNorm ? LORA_ADAM.clipNorm / norm : 1;
  const { beta1: b1, beta2: b2, eps, weightDecay } = LORA_ADAM;
  k.adamw(params, grads, m, v, n, lr, b1, b2, eps, weightDecay, scale, 1 - b1 ** t, 1 - b2 ** t);
}

/** Rows (chosen, rejected) of the given pairs from per-pair reference log-probabilities. */
function rowsOf(all: Float64Array, indices: number[]): Float64Array {
  const out = new Float64Array(2 * indices.length);
  indices.forEach((i, p) => {
    out[2 * p] = all[2 * i] as number;
    out[2 * p + 1] = all[2 * i + 1] as number;
  });
  return out;
}

/** log π_ref of every pair (training and validation), computed once with the reference parameters swapped in. */
function referenceLogprobs(
  net: LoraTrainModel,
  lora: LoraParams,
  referenceParams: ArrayLike<number> | null,
  train: PreferencePair[],
  valid: PreferencePair[],
  B: number,
  ctx: number,
): { train: Float64Array; valid: Float64Array } {
  const current = Float32Array.from(lora.params);
  if (referenceParams) lora.params.set(referenceParams);
  else for (const slot of lora.layout.slots) lora.B(slot).fill(0);
  const all = (pairs: PreferencePair[]) => {
    const out = new Float64Array(2 * pairs.length);
    for (let i = 0; i < pairs.length; i += B) {
      const idx = Array.from({ length: Math.min(B, pairs.length - i) }, (_, j) => i + j);
      out.set(sequenceLogprobs(net, pairs, idx, ctx), 2 * i);
    }
    return out;
  };
  const result = { train: all(train), valid: all(valid) };
  lora.params.set(current);
  return result;
}

function evaluateDpo(net: LoraTrainModel, pairs: PreferencePair[], reference: Float64Array, beta: number, B: number, ctx: number) {
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < pairs.length; i += B) {
    const idx = Array.from({ length: Math.min(B, pairs.length - i) }, (_, j) => i + j);
    const logp = sequenceLogprobs(net, pairs, idx, ctx);
    idx.forEach((pi, p) => {
      const z =
        beta *
        ((logp[2 * p] as number) - (reference[2 * pi] as number) - ((logp[2 * p + 1] as number) - (reference[2 * pi + 1] as number)));
      loss += -z > 30 ? -z : Math.log1p(Math.exp(-z));
      if (z > 0) correct++;
    });
  }
  return { loss: pairs.length > 0 ? loss / pairs.length : 0, accuracy: pairs.length > 0 ? correct / pairs.length : 0 };
}
