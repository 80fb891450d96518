/**
 * Backward pass: expects forward() then crossEntropy(..., grad = true) on the same batch; a packed batch and head rows
 * are those of that forward pass. Overwrites model.grads with the gradient of the mean loss.
 */
import type { Vec } from "../kernels/types.ts";
import { type Dropout, siteSeed } from "./forward.ts";
import { lmHeadBwd } from "./lm-head.ts";
import { packedAttentionBwd, packedEmbedBwd } from "./packed.ts";
import { type ImageRows, patchEmbedBwd } from "./patch-embed.ts";
import type { Transformer } from "./transformer.ts";
import { keptAttentionProbs } from "./workspace.ts";

/** Pass the same `dropout` as to forward(): the masks are recomputed from its seed. */
export function backward(model: Transformer, ids: Int32Array, B: number, T: number, dropout?: Dropout, images?: ImageRows): void {
  const { k, spec, p, g } = model;
  const ws = model.workspace;
  if (!ws?.pass) throw new Error("forward() first");
  const { packed, rows: R } = ws.pass;
  if (packed ? packed.starts.length !== B : R !== B * T)
    throw new Error(`backward over a batch of ${B} × ${T} after a forward pass over ${R} rows`);
  const d = spec.dModel;
  const H = spec.nHeads;
  const hd = model.headDim;
  const scale = 1 / Math.sqrt(hd);
  const probs = packed ? undefined : keptAttentionProbs(ws, B, T);
  model.grads.fill(0);
  // Logits = lnf · wteᵀ: dwte = dlogitsᵀ · lnf, dlnf = dlogits · wte (on the head rows).
  lmHeadBwd(model, ws, R);
  k.layernormBwd(ws.dtmp, ws.h[spec.nLayers] as Vec, p.lnfg, ws.lnfMean, ws.lnfRstd, ws.dh, g.lnfg, g.lnfb, R, d, false);
  for (let l = spec.nLayers - 1; l >= 0; l--) {
    const w = p.layers[l];
    const gw = g.layers[l];
    const a = ws.layers[l];
    if (!w || !gw || !a) throw new Error("layer out of range");
    // Gradient reaching a residual branch (through its dropout mask, if any).
    const branchGrad = (site: 0 | 1): Vec => {
      if (!dropout || dropout.p <= 0) return ws.dh;
      k.dropout(ws.dh, null, ws.branch, R * d, dropout.p, siteSeed(dropout.seed, l, site));
      return ws.branch;
    };
    // MLP: h_out = mid + dropout(gelu(ln2(mid)·W1 + b1)·W2 + b2)
    const dy2 = branchGrad(1);
    k.gemm(true, false, 4 * d, d, R, a.g, 4 * d, dy2, d, gw.w2, d, false, null);
    k.colsum(dy2, R, d, gw.b2, false);
    k.gemm(false, true, R, 4 * d, d, dy2, d, w.w2, d, ws.dg, 4 * d, false, null);
    k.geluBwd(a.u, ws.dg, ws.dg, R * 4 * d);
    k.gemm(true, false, d, 4 * d, R, a.ln2, d, ws.dg, 4 * d, gw.w1, 4 * d, false, null);
    k.colsum(ws.dg, R, 4 * d, gw.b1, false);
    k.gemm(false, true, R, d, 4 * d, ws.dg, 4 * d, w.w1, 4 * d, ws.dtmp, d, false, null);
    k.layernormBwd(ws.dtmp, a.mid, w.ln2g, a.ln2Mean, a.ln2Rstd, ws.dh, gw.ln2g, gw.ln2b, R, d, true);
    // Attention: mid = h_in + dropout(attn(ln1(h_in))·Wo + bo)
    const dy1 = branchGrad(0);
    k.gemm(true, false, d, d, R, a.att, d, dy1, d, gw.wo, d, false, null);
    k.colsum(dy1, R, d, gw.bo, false);
    k.gemm(false, true, R, d, d, dy1, d, w.wo, d, ws.datt, d, false, null);
    const dq = ws.dqkv;
    if (packed) packedAttentionBwd(model, a.qkv, ws.datt, dq, packed);
    else
      k.attentionBwd(
        a.qkv,
        3 * d,
        a.qkv.subarray(d),
        a.qkv.subarray(2 * d),
        3 * d,
        probs?.[l] ?? null,
        ws.datt,
        d,
        dq,
        dq.subarray(d),
        dq.subarray(2 * d),
        3 * d,
        B,
        H,
        T,
        hd,
        scale,
      );
    k.gemm(true, false, d, 3 * d, R, a.ln1, d, ws.dqkv, 3 * d, gw.wqkv, 3 * d, false, null);
    k.colsum(ws.dqkv, R, 3 * d, gw.bqkv, false);
    k.gemm(false, true, R, d, 3 * d, ws.dqkv, 3 * d, w.wqkv, 3 * d, ws.dtmp, d, false, null);
    k.layernormBwd(ws.dtmp, ws.h[l] as Vec, w.ln1g, a.ln1Mean, a.ln1Rstd, ws.dh, gw.ln1g, gw.ln1b, R, d, true);
  }
  if (packed) packedEmbedBwd(model, ids, packed, ws.dh);
  else k.embedBwd(ids, ws.dh, g.wte, g.wpe, B, T, d);
  if (images && images.n > 0) patchEmbedBwd(model, images, ws.dh);
}
