// The forward pass keeps each layer's attention probabilities for the backward pass when they fit a budget, and the
// backward recomputes them otherwise: with the native kernels both ways give the very same gradients (the same blocked
// products and softmax), and probabilities kept for one batch shape are never read for another.
import { describe, expect, it } from "vitest";
import { nativeKernels } from "../kernels/native.ts";
import { Rng } from "../train/rng.ts";
import type { ModelSpec } from "../types.ts";
import { backward } from "./backward.ts";
import { crossEntropy, forward } from "./forward.ts";
import { Transformer } from "./transformer.ts";
import { keptAttentionProbs } from "./workspace.ts";

const SPEC: ModelSpec = { name: "probs", vocabSize: 50, dModel: 32, nLayers: 2, nHeads: 4, contextLength: 128 };

function gradients(budget: number, shapes: { B: number; T: number }[]): { grads: Float32Array[]; kept: boolean[] } {
  const model = new Transformer(SPEC, nativeKernels());
  model.initialize(new Rng(3));
  model.attentionProbsBudget = budget;
  const rng = new Rng(11);
  const grads: Float32Array[] = [];
  const kept: boolean[] = [];
  for (const { B, T } of shapes) {
    const ids = Int32Array.from({ length: B * T }, () => Math.floor(rng.next() * SPEC.vocabSize));
    const targets = Int32Array.from({ length: B * T }, () => Math.floor(rng.next() * SPEC.vocabSize));
    const mask = new Float64Array(B * T).fill(1);
    forward(model, ids, B, T, { p: 0.1, seed: 5 });
    kept.push(model.workspace !== undefined && keptAttentionProbs(model.workspace, B, T) !== undefined);
    crossEntropy(model, targets, mask, B * T, true);
    backward(model, ids, B, T, { p: 0.1, seed: 5 });
    grads.push(Float32Array.from(model.grads));
  }
  return { grads, kept };
}

describe("attention probabilities kept for the backward pass", () => {
  // the second shape needs 2 × 4 × 100² × 2 layers × 4 bytes = 640,000 bytes: over the small budget, under the default
  const shapes = [
    { B: 2, T: 40 },
    { B: 2, T: 100 },
    { B: 3, T: 17 },
  ];

  it("gives the same gradients, bit for bit, as recomputing them", () => {
    const recomputed = gradients(0, shapes);
    const kept = gradients(64 * 2 ** 20, shapes);
    expect(recomputed.kept).toEqual([false, false, false]);
    expect(kept.kept).toEqual([true, true, true]);
    expect(kept.grads).toEqual(recomputed.grads);
    expect(kept.grads[0]?.some((g) => g !== 0)).toBe(true);
  });

  it("recomputes them for a batch over the budget, never reading those of an earlier batch", () => {
    const small = gradients(200_000, shapes); // 2 × 4 × 40² × 2 × 4 = 102,400 bytes fit; the 100-token batch does not
    expect(small.kept).toEqual([true, false, true]);
    expect(small.grads).toEqual(gradients(0, shapes).grads);
  });
});
