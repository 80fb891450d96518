/** Forward pass over a batch of token ids (padded [B, T] or packed); leaves every activation in the workspace. */
import type { Vec } from "../kernels/types.ts";
import { checkHeadRows, lmHeadFwd } from "./lm-head.ts";
import { checkPacked, packedAttentionFwd, packedEmbedFwd } from "./packed.ts";
import { type ImageRows, patchEmbedFwd } from "./patch-embed.ts";
import type { Transformer } from "./transformer.ts";
import { attentionProbs, ensureWorkspace, type PackedRows, type Workspace } from "./workspace.ts";

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

export interface ForwardOptions {
  /**
   * A packed batch (B examples, the longest T rows) instead of the padded [B, T]: ids and every activation hold
   * `packed.rows` rows, each example from position 0 and attending to its own rows only.
   */
  packed?: PackedRows;
  /**
   * Ascending batch rows whose logits to compute (the rows that carry loss or gradient); the others get none, and
   * crossEntropy refuses a weight on them. Default: every row.
   */
  headRows?: Int32Array;
}

/** `images`: the batch's image patches (vision models), added at their <|patch|> rows. */
export function forward(
  model: Transformer,
  ids: Int32Array,
  B: number,
  T: number,
  dropout?: Dropout,
  images?: ImageRows,
  options: ForwardOptions = {},
): Workspace {
  const { k, spec, p } = model;
  const { packed, headRows } = options;
  if (T > spec.contextLength) throw new Error(`sequence of ${T} tokens exceeds the context length ${spec.contextLength}`);
  if (packed) checkPacked(packed, B, T);
  const R = packed ? packed.rows : B * T;
  if (ids.length < R) throw new Error(`a batch of ${R} rows has ${ids.length} token ids`);
  if (headRows) checkHeadRows(headRows, R);
  const ws = ensureWorkspace(k, spec, model.workspace, R);
  model.workspace = ws;
  ws.pass = { rows: R, packed, headRows };
  const d = spec.dModel;
  const H = spec.nHeads;
  const hd = model.headDim;
  const scale = 1 / Math.sqrt(hd);
  // a packed batch's attention recomputes its probabilities in the backward pass (the row kernels keep none)
  const probs = packed ? undefined : attentionProbs(k, spec, ws, B, T, model.attentionProbsBudget);
  if (packed && ws.probs) ws.probs.shape = undefined;
  if (packed) packedEmbedFwd(model, ids, packed, ws.h[0] as Vec);
  else k.embedFwd(ids, p.wte, p.wpe, ws.h[0] as Vec, B, T, d);
  if (images && images.n > 0) patchEmbedFwd(model, images, ws.h[0] as Vec);
  for (let l = 0; l < spec.nLayers; l++) {
    const w = p.layers[l];
    const a = ws.layers[l];
    const hIn = ws.h[l] as Vec;
    const hOut = ws.h[l + 1] as Vec;
    if (!w || !a) throw new Error("layer out of range");
    k.layernormFwd(hIn, w.ln1g, w.ln1b, a.ln1, a.ln1Mean, a.ln1Rstd, R, d);
    k.gemm(false, false, R, 3 * d, d, a.ln1, d, w.wqkv, 3 * d, a.qkv, 3 * d, false, w.bqkv);
    if (packed) packedAttentionFwd(model, a.qkv, a.att, packed);
    else
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
  lmHeadFwd(model, ws, R);
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
 * `gradWeights` (default `mask`), divided by the mask's sum. After a forward pass with head rows, only those rows
 * have logits: a weight on any other row is refused, and ws.losses / ws.correct are 0 there.
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
  if (!ws?.pass) throw new Error("forward() first");
  if (rows !== ws.pass.rows) throw new Error(`crossEntropy over ${rows} rows after a forward pass over ${ws.pass.rows}`);
  const { k } = model;
  let weightSum = 0;
  for (let i = 0; i < rows; i++) weightSum += mask[i] as number;
  const scaled = (i: number) => (weightSum > 0 ? (gradWeights[i] as number) / weightSum : 0);
  const head = ws.pass.headRows;
  if (!head) {
    const weights = k.alloc(rows);
    for (let i = 0; i < rows; i++) weights[i] = scaled(i);
    k.crossEntropy(ws.logits, targets, weights, ws.losses, ws.correct, rows, model.spec.vocabSize, grad);
  } else {
    const n = head.length;
    const headTargets = new Int32Array(n);
    const weights = k.alloc(n);
    let j = 0;
    for (let i = 0; i < rows; i++) {
      if (j < n && head[j] === i) {
        headTargets[j] = targets[i] as number;
        weights[j++] = scaled(i);
      } else if ((mask[i] as number) !== 0 || (gradWeights[i] as number) !== 0) {
        throw new Error(`row ${i} carries a loss weight but is not one of the forward pass's head rows`);
      }
    }
    const losses = k.alloc(n);
    const correct = k.alloc(n);
    if (n > 0) k.crossEntropy(ws.logits, headTargets, weights, losses, correct, n, model.spec.vocabSize, grad);
    ws.losses.fill(0, 0, rows);
    ws.correct.fill(0, 0, rows);
    for (let h = 0; h < n; h++) {
      ws.losses[head[h] as number] = losses[h] as number;
      ws.correct[head[h] as number] = correct[h] as number;
    }
  }
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
