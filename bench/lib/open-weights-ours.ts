// Our side of bench/open-weights.ts: a Llama-family or Gemma 3 model with random weights in a given shape, built in
// memory on the engine's kernels (no checkpoint on disk), timed as the engine runs it: KV-cached greedy decoding with
// HfDecoder, and the LoRA step of hf/lora/loop.ts (LoraTrainModel forward, loss, backward, clipped AdamW).
import type { HfArchitecture } from "../../packages/engine/src/hf/config.ts";
import { LORA_ADAM } from "../../packages/engine/src/hf/lora/loop.ts";
import { LoraParams, loraLayout } from "../../packages/engine/src/hf/lora/params.ts";
import { DEFAULT_LORA, type LoraSettings } from "../../packages/engine/src/hf/lora/settings.ts";
import { LoraTrainModel } from "../../packages/engine/src/hf/lora/train-model.ts";
import { type DecoderModel, HfDecoder } from "../../packages/engine/src/hf/model/decoder.ts";
import { MAX_BATCH } from "../../packages/engine/src/hf/model/generate.ts";
import { type Matrix, toQ4, toQ8 } from "../../packages/engine/src/hf/model/matrix.ts";
import { PrefixCache } from "../../packages/engine/src/hf/model/prefix-cache.ts";
import { type RopeKind, ropeTables } from "../../packages/engine/src/hf/model/rope.ts";
import type { HfWeights, LayerWeights, Linear } from "../../packages/engine/src/hf/model/weights.ts";
import { LINEAR_PROJECTIONS, type LinearProjection, projectionShape } from "../../packages/engine/src/hf/tensor-names.ts";
import type { Kernels, Vec } from "../../packages/engine/src/trainer/kernels/types.ts";
import { Rng } from "../../packages/engine/src/trainer/train/rng.ts";

/** How the weight matrices are held: float32, bf16 halves (as most checkpoints are stored) or 8-bit Q8 blocks. */
export type MatrixHold = "f32" | "bf16" | "q8_0" | "q4_0";

/** float32 -> raw bf16 bits, rounding to nearest even (what torch's .to(bfloat16) does for finite values). */
function toBf16(x: Vec): Uint16Array {
  const out = new Uint16Array(x.length);
  const f = new Float32Array(1);
  const bits = new Uint32Array(f.buffer);
  for (let i = 0; i < x.length; i++) {
    f[0] = x[i] as number;
    const b = bits[0] as number;
    out[i] = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
  }
  return out;
}

/** Fills v with uniform values of the given mean and standard deviation (xorshift32: fast enough for 500M values). */
function fillUniform(v: Vec, state: { s: number }, mean: number, std: number): Vec {
  const half = std * Math.sqrt(3);
  let s = state.s | 0 || 1;
  for (let i = 0; i < v.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    v[i] = mean + half * ((s >>> 0) / 2_147_483_648 - 1);
  }
  state.s = s;
  return v;
}

/**
 * Random weights in the architecture's real shapes (linear and embedding std `std`, 0.02 by default; norms near 1), on
 * kernels `k`, with RoPE tables for `positions` positions. The same distribution as the peer's; the values themselves
 * do not matter for speed.
 */
export function randomOpenWeightModel(
  arch: HfArchitecture,
  k: Kernels,
  positions: number,
  seed = 1,
  std = 0.02,
  hold: MatrixHold = "f32",
): DecoderModel {
  const state = { s: seed };
  const vec = (n: number, mean = 0, s = std) => fillUniform(k.alloc(n), state, mean, s);
  /** A matrix as `hold` keeps it, converted as soon as it is made (the float32 values are then dropped). */
  const matrix = (n: number): Matrix => {
    const values = vec(n);
    if (hold === "bf16") return toBf16(values);
    return hold === "q8_0" ? toQ8(k, values) : hold === "q4_0" ? toQ4(k, values) : values;
  };
  const hasBias = (p: LinearProjection) =>
    (arch.qkvBias && (p === "q_proj" || p === "k_proj" || p === "v_proj")) || (arch.oBias && p === "o_proj");
  const linear = (p: LinearProjection): Linear => {
    const [out, inn] = projectionShape(arch, p);
    return { out, in: inn, w: matrix(out * inn), bias: hasBias(p) ? vec(out) : null };
  };
  const layers: LayerWeights[] = Array.from({ length: arch.layers }, () => ({
    inputNorm: vec(arch.hidden, 1, 0.1),
    postNorm: vec(arch.hidden, 1, 0.1),
    proj: Object.fromEntries(LINEAR_PROJECTIONS.map((p) => [p, linear(p)])) as Record<LinearProjection, Linear>,
    qNorm: arch.qkNorm ? vec(arch.headDim, 1, 0.1) : null,
    kNorm: arch.qkNorm ? vec(arch.headDim, 1, 0.1) : null,
    // Gemma 3: the norms of the attention's and the MLP's outputs (held as 1 + w, as the engine holds Gemma's norms).
    ...(arch.gemma ? { attnOutNorm: vec(arch.hidden, 1, 0.1), mlpOutNorm: vec(arch.hidden, 1, 0.1) } : {}),
  }));
  const embed = matrix(arch.vocab * arch.hidden);
  const weights: HfWeights = {
    embed,
    layers,
    norm: vec(arch.hidden, 1, 0.1),
    lmHead: arch.tiedEmbeddings ? embed : matrix(arch.vocab * arch.hidden),
  };
  const table = (v: Vec) => {
    const out = k.alloc(v.length);
    out.set(v);
    return out;
  };
  const tables = (kind: RopeKind) => {
    const rope = ropeTables(arch, positions, kind);
    return { ...rope, cos: table(rope.cos), sin: table(rope.sin) };
  };
  // Gemma 3's local layers have their own RoPE base.
  return { arch, weights, rope: tables("global"), ...(arch.gemma ? { localRope: tables("local") } : {}), k };
}

function argmax(logits: Float32Array): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if ((logits[i] as number) > (logits[best] as number)) best = i;
  return best;
}

function randomIds(rng: Rng, n: number, vocab: number): Int32Array {
  return Int32Array.from({ length: n }, () => Math.floor(rng.next() * vocab));
}

/** CPU seconds (user + system, all threads) this process has used. */
export function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

export interface GenerateTiming {
  prefillSeconds: number;
  decodeSeconds: number;
  prefillCpuSeconds: number;
  decodeCpuSeconds: number;
  /** The greedy tokens produced (the first from the prompt's logits). */
  tokens: number[];
}

/** Prefill of `prompt` (last token's logits), then `newTokens` single-token greedy steps with the KV cache. */
export function generate(m: DecoderModel, prompt: Int32Array, newTokens: number): GenerateTiming {
  const decoder = new HfDecoder(m, prompt.length + newTokens);
  const c0 = cpuSeconds();
  const t0 = performance.now();
  let logits = decoder.feed(Array.from(prompt));
  const t1 = performance.now();
  const c1 = cpuSeconds();
  const tokens: number[] = [];
  for (let i = 0; i < newTokens; i++) {
    const token = argmax(logits);
    tokens.push(token);
    logits = decoder.feed([token]);
  }
  const t2 = performance.now();
  const c2 = cpuSeconds();
  return {
    prefillSeconds: (t1 - t0) / 1000,
    decodeSeconds: (t2 - t1) / 1000,
    prefillCpuSeconds: c1 - c0,
    decodeCpuSeconds: c2 - c1,
    tokens,
  };
}

export interface InferenceFigures {
  prefillTokensPerS: number;
  decodeTokensPerS: number;
  /** Decoding BATCH sequences together (HfDecoder.feedBatch, as the inference worker decodes concurrent requests). */
  batchDecodeTokensPerS: number;
  /** The same BATCH sequences decoded in steps of 4 (the engine's step before it took GEMV_ROWS rows). */
  batchOfFoursTokensPerS: number;
  /** Reading SHARED_PROMPTS prompts that share their first SHARED_FRACTION: each whole, and through a PrefixCache. */
  sharedPrefix: { wholeSeconds: number; cachedSeconds: number; sharedTokens: number };
  prefillRuns: number[];
  decodeRuns: number[];
  /** Tokens per CPU-second (all threads), best run: robust to other load on the machine. */
  prefillTokensPerCpuS: number;
  decodeTokensPerCpuS: number;
}

/** Sequences decoded together in the batched figure: the requests an eval run sends at a time (within MAX_BATCH). */
export const BATCH = Math.min(8, MAX_BATCH);

/**
 * Tokens per second of BATCH greedy sequences decoded together, each after its own prompt (prefill not timed), in
 * steps of `step` sequences (HfDecoder.feedBatch, as HfBatch steps them).
 */
function batchDecode(m: DecoderModel, rng: Rng, options: { prompt: number; newTokens: number }, step: number): number {
  const decoders = Array.from({ length: BATCH }, () => new HfDecoder(m, options.prompt + options.newTokens));
  let next = decoders.map((d) => argmax(d.feed(Array.from(randomIds(rng, options.prompt, m.arch.vocab)))));
  const t0 = performance.now();
  for (let i = 0; i < options.newTokens; i++) {
    const logits: Float32Array[] = [];
    for (let at = 0; at < BATCH; at += step) logits.push(...HfDecoder.feedBatch(decoders.slice(at, at + step), next.slice(at, at + step)));
    next = logits.map(argmax);
  }
  return (BATCH * options.newTokens) / ((performance.now() - t0) / 1000);
}

/** Prompts of the prefix-cache figure, and the part of each they share (an eval run's system message, tools, examples). */
export const SHARED_PROMPTS = 8;
const SHARED_FRACTION = 15 / 16;

/** Seconds to read SHARED_PROMPTS prompts sharing their beginning: each whole, then through a fresh PrefixCache. */
function sharedPrefix(m: DecoderModel, rng: Rng, prompt: number): InferenceFigures["sharedPrefix"] {
  const sharedTokens = Math.floor(prompt * SHARED_FRACTION);
  const shared = Array.from(randomIds(rng, sharedTokens, m.arch.vocab));
  const prompts = Array.from({ length: SHARED_PROMPTS }, () => [...shared, ...randomIds(rng, prompt - sharedTokens, m.arch.vocab)]);
  const time = (read: (p: number[]) => void) => {
    const t0 = performance.now();
    for (const p of prompts) read(p);
    return (performance.now() - t0) / 1000;
  };
  const wholeSeconds = time((p) => new HfDecoder(m, p.length).feed(p));
  const cache = new PrefixCache(2 ** 40);
  const cachedSeconds = time((p) => cache.feedPrompt(new HfDecoder(m, p.length), p));
  return { wholeSeconds, cachedSeconds, sharedTokens };
}

/** One short warm-up, then `repeats` timed generations; the best of each phase (the machine is shared). */
export function measureInference(
  m: DecoderModel,
  options: { prompt: number; newTokens: number; repeats: number; seed?: number },
): InferenceFigures {
  const rng = new Rng(options.seed ?? 7);
  generate(m, randomIds(rng, Math.min(32, options.prompt), m.arch.vocab), Math.min(4, options.newTokens));
  const prefillRuns: number[] = [];
  const decodeRuns: number[] = [];
  const prefillCpu: number[] = [];
  const decodeCpu: number[] = [];
  for (let i = 0; i < options.repeats; i++) {
    const t = generate(m, randomIds(rng, options.prompt, m.arch.vocab), options.newTokens);
    prefillRuns.push(options.prompt / t.prefillSeconds);
    decodeRuns.push(options.newTokens / t.decodeSeconds);
    prefillCpu.push(options.prompt / t.prefillCpuSeconds);
    decodeCpu.push(options.newTokens / t.decodeCpuSeconds);
  }
  return {
    prefillTokensPerS: Math.max(...prefillRuns),
    decodeTokensPerS: Math.max(...decodeRuns),
    batchDecodeTokensPerS: Math.max(...Array.from({ length: Math.min(2, options.repeats) }, () => batchDecode(m, rng, options, MAX_BATCH))),
    batchOfFoursTokensPerS: Math.max(...Array.from({ length: Math.min(2, options.repeats) }, () => batchDecode(m, rng, options, 4))),
    sharedPrefix: sharedPrefix(m, rng, options.prompt),
    prefillRuns,
    decodeRuns,
    prefillTokensPerCpuS: Math.max(...prefillCpu),
    decodeTokensPerCpuS: Math.max(...decodeCpu),
  };
}

/** A LoRA training setup: adapters on `m`, the optimizer state, and one step as hf/lora/loop.ts takes it. */
export class LoraStepper {
  readonly lora: LoraParams;
  readonly net: LoraTrainModel;
  private readonly mAdam: Vec;
  private readonly vAdam: Vec;
  private t = 0;
  private readonly rng = new Rng(5);

  constructor(
    readonly m: DecoderModel,
    settings: LoraSettings = DEFAULT_LORA,
  ) {
    this.lora = new LoraParams(m.k, loraLayout(m.arch, settings), settings);
    this.lora.initialize(new Rng(11));
    this.net = new LoraTrainModel(m, this.lora);
    this.mAdam = m.k.alloc(this.lora.params.length);
    this.vAdam = m.k.alloc(this.lora.params.length);
  }

  /**
   * One step on random tokens: forward, loss, backward, clipped AdamW. Returns the loss. The loss is a mean over every
   * position, or with `lossPositions` over the last that many positions of each row only (a chat's assistant reply).
   */
  step(B: number, T: number, lr = 2e-4, lossPositions?: number): number {
    const { k, arch } = this.m;
    const R = B * T;
    const ids = randomIds(this.rng, R, arch.vocab);
    const targets = randomIds(this.rng, R, arch.vocab);
    const weights = new Float32Array(R);
    const perRow = Math.min(T, lossPositions ?? T);
    for (let b = 0; b < B; b++) weights.fill(1 / (B * perRow), b * T + T - perRow, (b + 1) * T);
    this.net.forward(ids, B, T, this.t);
    const s = this.net.loss(targets, weights, true);
    this.net.backward();
    // hf/lora/loop.ts's adamwStep: clip the gradient norm at LORA_ADAM.clipNorm, then AdamW with bias correction.
    this.t++;
    const n = this.lora.params.length;
    const norm = Math.sqrt(k.sumsq(this.lora.grads, n));
    const scale = norm > LORA_ADAM.clipNorm ? LORA_ADAM.clipNorm / norm : 1;
    const { beta1: b1, beta2: b2, eps, weightDecay } = LORA_ADAM;
    k.adamw(
      this.lora.params,
      this.lora.grads,
      this.mAdam,
      this.vAdam,
      n,
      lr,
      b1,
      b2,
      eps,
      weightDecay,
      scale,
      1 - b1 ** this.t,
      1 - b2 ** this.t,
    );
    return s.weightSum > 0 ? s.lossSum / s.weightSum : 0;
  }
}

export interface TrainingFigures {
  tokensPerS: number;
  secondsPerStep: number;
  stepSeconds: number[];
  /** CPU seconds (all threads) of each timed step. */
  stepCpuSeconds: number[];
  adapterParams: number;
  losses: number[];
}

/** `warmup` untimed steps (of `warmupBatch` rows, default B), then `steps` timed steps of B × T; the fastest step. The
 * loss covers every position, or the last `lossPositions` of each row. */
export function measureLoraTraining(
  stepper: LoraStepper,
  options: { B: number; T: number; steps: number; warmup: number; warmupBatch?: number; lossPositions?: number },
): TrainingFigures {
  const losses: number[] = [];
  for (let i = 0; i < options.warmup; i++) losses.push(stepper.step(options.warmupBatch ?? options.B, options.T));
  const stepSeconds: number[] = [];
  const stepCpuSeconds: number[] = [];
  for (let i = 0; i < options.steps; i++) {
    const c = cpuSeconds();
    const t = performance.now();
    losses.push(stepper.step(options.B, options.T, undefined, options.lossPositions));
    stepSeconds.push((performance.now() - t) / 1000);
    stepCpuSeconds.push(cpuSeconds() - c);
  }
  const best = Math.min(...stepSeconds);
  return {
    tokensPerS: (options.B * options.T) / best,
    secondsPerStep: best,
    stepSeconds,
    stepCpuSeconds,
    adapterParams: stepper.lora.params.length,
    losses,
  };
}
