/** Mean loss and token accuracy over loss-bearing tokens of a set of examples (no gradients). */
import { crossEntropy } from "../model/forward.ts";
import type { Transformer } from "../model/transformer.ts";
import type { Encoded } from "../tokenizer/chat-template.ts";
import { batchImageRows } from "../vision/image-rows.ts";
import { forwardBatch, placeImages } from "./batch-forward.ts";
import { makePackedBatch } from "./batches.ts";

export interface EvalResult {
  loss: number;
  accuracy: number;
  tokens: number;
}

export function evaluate(model: Transformer, examples: Encoded[], batchSize: number): EvalResult {
  let lossSum = 0;
  let weightSum = 0;
  let correctSum = 0;
  for (let i = 0; i < examples.length; i += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, examples.length - i) }, (_, j) => i + j);
    const b = makePackedBatch(examples, idx, model.spec.contextLength);
    const vision = model.spec.vision;
    const images = placeImages(b, vision ? batchImageRows(model.k, vision, examples, idx, b.T, model.spec.contextLength) : undefined);
    const rows = forwardBatch(model, b, undefined, images);
    const s = crossEntropy(model, b.targets, b.mask, rows, false);
    lossSum += s.lossSum;
    weightSum += s.weightSum;
    correctSum += s.correctSum;
  }
  return { loss: weightSum > 0 ? lossSum / weightSum : 0, accuracy: weightSum > 0 ? correctSum / weightSum : 0, tokens: weightSum };
}
