/**
 * The output projection (logits = lnf · wteᵀ, tied embeddings) of a forward pass, on every row of the batch or only
 * on the rows the caller names (`headRows`): a training batch whose loss is on a short answer needs the logits of those
 * rows alone, and the projection to the vocabulary is the widest matrix product of a small model. With head rows,
 * logits row i belongs to batch row headRows[i]; the backward pass scatters their gradient back to those rows (the
 * other rows get none, as their loss weight is 0).
 */
import type { Vec } from "../kernels/types.ts";
import type { Transformer } from "./transformer.ts";
import type { Workspace } from "./workspace.ts";

/** The rows (ascending) where any of `weights` is non-zero: the rows that carry loss or a gradient. */
export function lossRows(rows: number, ...weights: Vec[]): Int32Array {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) if (weights.some((w) => (w[r] as number) !== 0)) out.push(r);
  return Int32Array.from(out);
}

/** Checks that head rows are ascending batch rows of a batch of `rows`. */
export function checkHeadRows(headRows: Int32Array, rows: number): void {
  let prev = -1;
  for (const r of headRows) {
    if (!Number.isInteger(r) || r <= prev || r >= rows)
      throw new Error(`head rows must be ascending rows of the batch's ${rows}, got ${r} after ${prev}`);
    prev = r;
  }
}

/** Logits of the rows of the last forward pass (its head rows, or all `rows`) into ws.logits. */
export function lmHeadFwd(model: Transformer, ws: Workspace, rows: number): void {
  const { k, spec, p } = model;
  const d = spec.dModel;
  const V = spec.vocabSize;
  const head = ws.pass?.headRows;
  if (!head) {
    k.gemm(false, true, rows, V, d, ws.lnf, d, p.wte, d, ws.logits, V, false, null);
    return;
  }
  const n = head.length;
  if (n === 0) return;
  k.gatherRows(head, ws.lnf, ws.headIn, n, d);
  k.gemm(false, true, n, V, d, ws.headIn, d, p.wte, d, ws.logits, V, false, null);
}

/**
 * From d(loss)/d(logits) in ws.logits: g.wte = dlogitsᵀ · lnf (overwritten) and ws.dtmp = d(loss)/d(lnf) on every row
 * of the batch (zero on the rows without logits).
 */
export function lmHeadBwd(model: Transformer, ws: Workspace, rows: number): void {
  const { k, spec, p, g } = model;
  const d = spec.dModel;
  const V = spec.vocabSize;
  const head = ws.pass?.headRows;
  if (!head) {
    k.gemm(true, false, V, d, rows, ws.logits, V, ws.lnf, d, g.wte, d, false, null);
    k.gemm(false, false, rows, d, V, ws.logits, V, p.wte, d, ws.dtmp, d, false, null);
    return;
  }
  const n = head.length;
  ws.dtmp.fill(0, 0, rows * d);
  if (n === 0) {
    g.wte.fill(0);
    return;
  }
  k.gemm(true, false, V, d, n, ws.logits, V, ws.headIn, d, g.wte, d, false, null);
  k.gemm(false, false, n, d, V, ws.logits, V, p.wte, d, ws.headGrad, d, false, null);
  k.scatterAddRows(head, ws.headGrad, ws.dtmp, n, d);
}
