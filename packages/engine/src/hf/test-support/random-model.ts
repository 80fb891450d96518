/**
 * Small random Llama-family models held in memory (any kernels, float32 or float64), for gradient
 * checks and decoder/trainer agreement tests. Weights are larger than a real init so every path
 * carries signal.
 */
import type { Kernels, Vec } from "../../trainer/kernels/types.ts";
import { Rng } from "../../trainer/train/rng.ts";
import type { HfArchitecture } from "../config.ts";
import type { DecoderModel } from "../model/decoder.ts";
import { ropeTables } from "../model/rope.ts";
import type { HfWeights, LayerWeights, Linear } from "../model/weights.ts";
import { LINEAR_PROJECTIONS, type LinearProjection, projectionShape } from "../tensor-names.ts";

export const TINY_ARCH: HfArchitecture = {
  modelType: "llama",
  architecture: "LlamaForCausalLM",
  hidden: 8,
  intermediate: 12,
  layers: 2,
  heads: 4,
  kvHeads: 2,
  headDim: 4,
  vocab: 11,
  maxPositions: 16,
  rmsEps: 1e-6,
  ropeTheta: 10_000,
  tiedEmbeddings: false,
  qkvBias: false,
  oBias: false,
  qkNorm: false,
};

/** Gemma 2's traits at TINY_ARCH's size: caps small enough to saturate, layer 0 local with a window of 2, no q/k norms. */
export const TINY_GEMMA2: HfArchitecture = {
  ...TINY_ARCH,
  modelType: "gemma2",
  architecture: "Gemma2ForCausalLM",
  tiedEmbeddings: true,
  gemma: {
    embedScale: 2.5,
    attnScale: 0.4,
    slidingWindow: 2,
    slidingLayers: [0],
    localRopeTheta: 10_000,
    attnSoftcap: 0.8,
    finalSoftcap: 1.5,
  },
};

/** Phi-3's traits at TINY_ARCH's size: 4 of 6 head dims rotate, longrope factors and attention factor, a window of 2. */
export const TINY_PHI3: HfArchitecture = {
  ...TINY_ARCH,
  modelType: "phi3",
  architecture: "Phi3ForCausalLM",
  headDim: 6,
  rotaryDim: 4,
  longRope: { shortFactor: [1.5, 3], longFactor: [9, 9], attentionFactor: 1.3, originalMaxPositions: 16 },
  slidingWindow: 2,
  stackedProjections: true,
};

/** Granite's traits at TINY_ARCH's size: every one of its four scalars away from 1 (and from head_dim^-1/2). */
export const TINY_GRANITE: HfArchitecture = {
  ...TINY_ARCH,
  modelType: "granite",
  architecture: "GraniteForCausalLM",
  tiedEmbeddings: true,
  granite: { embeddingMultiplier: 3, attentionMultiplier: 0.9, residualMultiplier: 0.4, logitsScaling: 2.5 },
};

export function randomDecoderModel(arch: HfArchitecture, k: Kernels, seed = 1, std = 0.5): DecoderModel {
  const rng = new Rng(seed);
  const vec = (n: number, mean = 0, s = std): Vec => {
    const v = k.alloc(n);
    for (let i = 0; i < n; i++) v[i] = mean + rng.normal() * s;
    return v;
  };
  const linear = (p: LinearProjection): Linear => {
    const [out, inn] = projectionShape(arch, p);
    const bias = (["q_proj", "k_proj", "v_proj"].includes(p) && arch.qkvBias) || (p === "o_proj" && arch.oBias);
    return { out, in: inn, w: vec(out * inn, 0, (std / Math.sqrt(inn)) * 2), bias: bias ? vec(out, 0, 0.2) : null };
  };
  const layers: LayerWeights[] = Array.from({ length: arch.layers }, () => ({
    inputNorm: vec(arch.hidden, 1, 0.2),
    postNorm: vec(arch.hidden, 1, 0.2),
    proj: Object.fromEntries(LINEAR_PROJECTIONS.map((p) => [p, linear(p)])) as Record<LinearProjection, Linear>,
    qNorm: arch.qkNorm ? vec(arch.headDim, 1, 0.2) : null,
    kNorm: arch.qkNorm ? vec(arch.headDim, 1, 0.2) : null,
    ...(arch.gemma ? { attnOutNorm: vec(arch.hidden, 1, 0.2), mlpOutNorm: vec(arch.hidden, 1, 0.2) } : {}),
  }));
  const embed = vec(arch.vocab * arch.hidden, 0, 1);
  const weights: HfWeights = {
    embed,
    layers,
    norm: vec(arch.hidden, 1, 0.2),
    lmHead: arch.tiedEmbeddings ? embed : vec(arch.vocab * arch.hidden, 0, 1),
  };
  const toKernel = (v: Float32Array) => {
    const out = k.alloc(v.length);
    out.set(v);
    return out;
  };
  const tables = (kind: "global" | "local") => {
    const rope = ropeTables(arch, arch.maxPositions, kind);
    return { ...rope, cos: toKernel(rope.cos as Float32Array), sin: toKernel(rope.sin as Float32Array) };
  };
  return { arch, weights, rope: tables("global"), ...(arch.gemma ? { localRope: tables("local") } : {}), k };
}
