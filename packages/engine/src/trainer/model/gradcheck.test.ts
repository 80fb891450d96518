import { describe, expect, it } from "vitest";
import type { Vec } from "../kernels/types.ts";
import { referenceKernels } from "../reference/index.ts";
import { Rng } from "../train/rng.ts";
import type { ModelSpec } from "../types.ts";
import { backward } from "./backward.ts";
import { crossEntropy, forward } from "./forward.ts";
import { Transformer } from "./transformer.ts";
import { ATTENTION_PROBS_BUDGET_BYTES } from "./workspace.ts";

const SPEC: ModelSpec = { name: "check", vocabSize: 13, dModel: 8, nLayers: 2, nHeads: 2, contextLength: 6 };

function batch(rng: Rng, B: number, T: number) {
  const ids = new Int32Array(B * T);
  const targets = new Int32Array(B * T);
  const mask = new Float64Array(B * T);
  for (let i = 0; i < B * T; i++) {
    ids[i] = Math.floor(rng.next() * SPEC.vocabSize);
    targets[i] = Math.floor(rng.next() * SPEC.vocabSize);
    mask[i] = rng.next() < 0.7 ? 1 : 0;
  }
  return { ids, targets, mask };
}

describe("whole-model gradient (float64 reference kernels)", () => {
  // probabilities budget: the default keeps the attention probabilities for the backward pass, 0 recomputes them there
  it.each([
    [0, ATTENTION_PROBS_BUDGET_BYTES],
    [0.3, ATTENTION_PROBS_BUDGET_BYTES],
    [0, 0],
  ])("matches central finite differences for parameters of every tensor (dropout %s, probabilities budget %s)", (p, budget) => {
    const dropout = { p, seed: 1234 };
    const k = referenceKernels("f64");
    const rng = new Rng(7);
    const model = new Transformer(SPEC, k);
    model.attentionProbsBudget = budget;
    model.initialize(rng);
    // Larger weights than the init so that every path carries signal.
    for (let i = 0; i < model.params.length; i++) model.params[i] = (model.params[i] as number) * 10 + rng.normal() * 0.05;
    const B = 2;
    const T = 5;
    const { ids, targets, mask } = batch(rng, B, T);
    const loss = () => {
      forward(model, ids, B, T, dropout);
      const s = crossEntropy(model, targets, mask, B * T, false);
      return s.lossSum / s.weightSum;
    };
    forward(model, ids, B, T, dropout);
    crossEntropy(model, targets, mask, B * T, true);
    backward(model, ids, B, T, dropout);
    const grads = Float64Array.from(model.grads as Vec);
    let worst = 0;
    for (const t of model.layout.tensors) {
      for (let s = 0; s < 4; s++) {
        const i = t.offset + Math.floor(rng.next() * t.size);
        const orig = model.params[i] as number;
        const eps = 1e-5;
        model.params[i] = orig + eps;
        const up = loss();
        model.params[i] = orig - eps;
        const down = loss();
        model.params[i] = orig;
        const numeric = (up - down) / (2 * eps);
        const analytic = grads[i] as number;
        const err = Math.abs(numeric - analytic) / Math.max(1e-4, Math.abs(numeric) + Math.abs(analytic));
        worst = Math.max(worst, err);
        expect(err, `${t.name}[${i - t.offset}] numeric ${numeric} analytic ${analytic}`).toBeLessThan(1e-5);
      }
    }
    expect(worst).toBeLessThan(1e-5);
  });
});
