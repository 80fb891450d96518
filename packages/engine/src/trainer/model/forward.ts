/** Forward pass over a batch [B, T] of token ids; leaves every activation in the workspace. */
import type { Vec } from "../kernels/types.ts";
import { type ImageRows, patchEmbedFwd } from "./patch-embed.ts";
import type { Transformer } from "./transformer.ts";
import { attentionProbs, ensureWorkspace, type Workspace } from "./workspace.ts";

/** Residual dropout of one training step: rate and a per-step seed (masks derive from it per layer). */
export interface Dropout {
  p: number;
  seed: number;
}

/** Seed of the mask at (layer, site 0 = attention / 1 = MLP) for a step's dropout seed. */
export function siteSeed(seed: number, layer: number, site: 0 | 1): number {
  let h = (Math.imul(seed >>> 0, 0x85ebca6b) + Math.imul(layer * 2 + site + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
  return (h ^ (h >>> 12)) >>> 0;
}

/** `images`: the batch's image patches (vision models), added at their <|patch|> rows. */
export function forward(model: Transformer, ids: Int32Array, B: number, T: number, dropout?: Dropout, images?: ImageRows): Workspace {
  const { k, spec, p } = model;
  if (T > spec.contextLength) throw new Error(`sequence of ${T} tokens exceeds the context length ${spec.contextLength}`);
  const ws = ensureWorkspace(k, spec, model.workspace, B, T);
  model.workspace = ws;
  const d = spec.dModel;
  const H = spec.nHeads;
  const hd = model.headDim;
  const R = B * T;
  const scale = 1 / Math.sqrt(hd);
  const probs = attentionProbs(k, spec, ws, B, T, model.attentionProbsBudget);
  k.embedFwd(ids, p.wte, p.wpe, ws.h[0] as Vec, B, T, d);
  if (images && images.n > 0) patchEmbedFwd(model, images, ws.h[0] as Vec);
  for (let l = 0; l < spec.nLayers; l++) {
    const w = p.layers[l];
    const a = ws.layers[l];
    const hIn = ws.h[l] as Vec;
    const hOut = ws.h[l + 1] as Vec;
    if (!w || !a) throw new Error("layer out of range");
    k.layernormFwd(hIn, w.ln1g, w.ln1b, a.ln1, a.ln1Mean, a.ln1Rstd, R, d);
    k.gemm(false, false, R, 3 * d, d, a.ln1, d, w.wqkv, 3 * d, a.qkv, 3 * d, false, w.bqkv);
    k.attentionFwd(a.qkv, 3 * d, a.qkv.subarray(d), a.qkv.subarray(2 * d), 3 * d, a.att, d, probs?.[l] ?? null, B, H, T, T, hd, 0, scale);
    if (dropout && dropout.p > 0) {
      k.gemm(false, false, R, d, d, a.att, d, w.wo, d, ws.branch, d, false, w.bo);
      k.dropout(ws.branch, hIn, a.mid, R * d, dropout.p, siteSeed(dropout.seed, l, 0));
    } else {
      a.mid.set(hIn.subarray(0, R * d));
      k.gemm(false, false, R, d, d, a.att, d, w.wo, d, a.mid, d, true, w.bo);
    }
    k.layernormFwd(a.mid, w.ln2g, w.ln2b, a.ln2, a.ln2Mean, a.ln2Rstd, R, d);
    k.gemm(false, false, R, 4 * d, d, a.ln2, d, w.w1, 4 * d, a.u, 4 * d, false, w.b1);
    k.geluFwd(a.u, a.g, R * 4 * d);
    if (dropout && dropout.p > 0) {
      k.gemm(false, false, R, d, 4 * d, a.g, 4 * d, w.w2, d, ws.branch, d, false, w.b2);
      k.dropout(ws.branch, a.mid, hOut, R * d, dropout.p, siteSeed(dropout.seed, l, 1));
    } else {
      hOut.set(a.mid.subarray(0, R * d));
      k.gemm(false, false, R, d, 4 * d, a.g, 4 * d, w.w2, d, hOut, d, true, w.b2);
    }
  }
  k.layernormFwd(ws.h[spec.nLayers] as Vec, p.lnfg, p.lnfb, ws.lnf, ws.lnfMean, ws.lnfRstd, R, d);
  k.gemm(false, true, R, spec.vocabSize, d, ws.lnf, d, p.wte, d, ws.logits, spec.vocabSize, false, null);
  return ws;
}

export interface LossStats {
  /** Sum over weighted positions of weight × loss. */
  lossSum: number;
  /** Sum of weights (loss-bearing tokens). */
  weightSum: number;
  /** Sum of weight × (argmax == target). */
  correctSum: number;
}

/**
 * Cross-entropy of the last forward pass. `mask` is 1 on loss-bearing positions (the statistics are
 * over these); with `grad` the logits buffer becomes d(loss)/d(logits) of the loss weighted by
 * `gradWeights` (default `mask`), divided by the mask's sum.
 */
export function crossEntropy(
  model: Transformer,
  targets: Int32Array,
  mask: Vec,
  rows: number,
  grad: boolean,
  gradWeights: Vec = mask,
): LossStats {
  const ws = model.workspace;
  if (!ws) throw new Error("forward() first");
  let weightSum = 0;
  for (let i = 0; i < rows; i++) weightSum += mask[i] as number;
  const weights = model.k.alloc(rows);
  for (let i = 0; i < rows; i++) weights[i] = weightSum > 0 ? (gradWeights[i] as number) / weightSum : 0;
  model.k.crossEntropy(ws.logits, targets, weights, ws.losses, ws.correct, rows, model.spec.vocabSize, grad);
  let lossSum = 0;
  let correctSum = 0;
  for (let i = 0; i < rows; i++) {
    const m = mask[i] as number;
    if (m === 0) continue;
    lossSum += m * (ws.losses[i] as number);
    correctSum += m * (ws.correct[i] as number);
  }
  return { lossSum, weightSum, correctSum };
}
