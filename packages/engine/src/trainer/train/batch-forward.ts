/**
 * The forward pass of a training or evaluation batch: packed batches run packed, and the output projection runs only
 * on the rows that carry loss or gradient (model/lm-head.ts), as the loss statistics and the gradient need no others.
 */
import type { Dropout } from "../model/forward.ts";
import { forward } from "../model/forward.ts";
import { lossRows } from "../model/lm-head.ts";
import type { ImageRows } from "../model/patch-embed.ts";
import type { Transformer } from "../model/transformer.ts";
import { type Batch, batchRows, packedImageRows } from "./batches.ts";

/** The batch's image rows (batchImageRows lays them out padded) at the batch's rows; pass these to forward and backward. */
export function placeImages(batch: Batch, images: ImageRows | undefined): ImageRows | undefined {
  return images && batch.packed ? { ...images, rows: packedImageRows(images.rows, batch.T, batch.packed) } : images;
}

/** Runs forward() on the batch; returns its rows (crossEntropy's `rows`). `images` from placeImages. */
export function forwardBatch(model: Transformer, batch: Batch, dropout?: Dropout, images?: ImageRows): number {
  const rows = batchRows(batch);
  const headRows = lossRows(rows, batch.mask, batch.weights);
  const packed = batch.packed;
  forward(model, batch.ids, batch.B, batch.T, dropout, images, { headRows, ...(packed ? { packed } : {}) });
  return rows;
}
