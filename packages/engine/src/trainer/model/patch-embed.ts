/**
 * The patch-embedding front end: each image patch row is projected into the model's width and given
 * its learned image position, then added to the residual stream at its <|patch|> token (whose token
 * and text-position embeddings are there already):
 *   h0[rows[i]] += patches[i]·Wpatch + bpatch + Wpos[positions[i]]
 */
import type { Vec } from "../kernels/types.ts";
import { patchDim } from "../vision/spec.ts";
import type { Transformer, VisionParams } from "./transformer.ts";

/** The image patches of a batch (only those inside the batch's windows). */
export interface ImageRows {
  n: number;
  /** patchify() output [n, patchDim]. */
  patches: Vec;
  /** Residual-stream row (b·T + t) of each patch. */
  rows: Int32Array;
  /** Learned image position of each patch (its index in its image). */
  positions: Int32Array;
}

function visionOf(model: Transformer, views: "p" | "g"): VisionParams {
  const v = model[views].vision;
  if (!v || !model.spec.vision) throw new Error("this model was not trained with images");
  return v;
}

/** E = patches·Wpatch + bpatch + Wpos[positions]; h0 rows += E. Returns E (for tests). */
export function patchEmbedFwd(model: Transformer, images: ImageRows, h0: Vec): Vec {
  const { k } = model;
  const d = model.spec.dModel;
  const w = visionOf(model, "p");
  const pd = patchDim(model.spec.vision as NonNullable<typeof model.spec.vision>);
  const E = k.alloc(images.n * d);
  if (images.n === 0) return E;
  k.gatherRows(images.positions, w.wpos, E, images.n, d);
  k.gemm(false, false, images.n, d, pd, images.patches, pd, w.wpatch, d, E, d, true, w.bpatch);
  k.scatterAddRows(images.rows, E, h0, images.n, d);
  return E;
}

/** Gradients of Wpatch, bpatch, Wpos (overwritten / added to zeroed grads) from dh0, the gradient at the residual stream's input. */
export function patchEmbedBwd(model: Transformer, images: ImageRows, dh0: Vec): void {
  const { k } = model;
  const d = model.spec.dModel;
  const g = visionOf(model, "g");
  const pd = patchDim(model.spec.vision as NonNullable<typeof model.spec.vision>);
  if (images.n === 0) return;
  const dE = k.alloc(images.n * d);
  k.gatherRows(images.rows, dh0, dE, images.n, d);
  k.gemm(true, false, pd, d, images.n, images.patches, pd, dE, d, g.wpatch, d, false, null);
  k.colsum(dE, images.n, d, g.bpatch, false);
  k.scatterAddRows(images.positions, dE, g.wpos, images.n, d);
}
