import { describe, expect, it } from "vitest";
import { referenceKernels } from "../../trainer/reference/index.ts";
import { Rng } from "../../trainer/train/rng.ts";
import { randomDecoderModel, TINY_ARCH } from "../test-support/random-model.ts";
import type { Encoded } from "./batches.ts";
import { dpoGradient, type PreferencePair, sequenceLogprobs } from "./dpo.ts";
import { LoraParams, loraLayout } from "./params.ts";
import { DEFAULT_LORA } from "./settings.ts";
import { LoraTrainModel } from "./train-model.ts";

function sequence(rng: Rng, n: number, promptLength: number, vocab: number): Encoded {
  const ids = Array.from({ length: n }, () => Math.floor(rng.next() * vocab));
  return { ids, weights: ids.map((_, i) => (i >= promptLength ? 1 : 0)) };
}

describe("DPO on LoRA adapters (float64 reference kernels)", () => {
  it.each([0, 0.25])("the gradient matches central finite differences of the DPO loss (LoRA dropout %s)", (dropout) => {
    const k = referenceKernels("f64");
    const model = randomDecoderModel(TINY_ARCH, k, 4);
    const settings = { ...DEFAULT_LORA, rank: 2, alpha: 4, dropout };
    const lora = new LoraParams(k, loraLayout(TINY_ARCH, settings), settings);
    const rng = new Rng(11);
    lora.initialize(rng);
    for (const s of lora.layout.slots) {
      const b = lora.B(s);
      for (let i = 0; i < b.length; i++) b[i] = rng.normal() * 0.3;
    }
    const net = new LoraTrainModel(model, lora);
    const pairs: PreferencePair[] = [
      { chosen: sequence(rng, 6, 3, TINY_ARCH.vocab), rejected: sequence(rng, 5, 3, TINY_ARCH.vocab) },
      { chosen: sequence(rng, 4, 2, TINY_ARCH.vocab), rejected: sequence(rng, 6, 2, TINY_ARCH.vocab) },
    ];
    const reference = Float64Array.from([-3.1, -2.2, -1.7, -4.4]);
    const loss = () => dpoGradient(net, pairs, [0, 1], reference, 0.5, 16, 99).loss;
    loss();
    const grads = Float64Array.from(lora.grads);
    let checked = 0;
    for (const slot of lora.layout.slots.filter((_, i) => i % 3 === 0)) {
      for (const i of [slot.a + 1, slot.b + 2]) {
        const orig = lora.params[i] as number;
        const eps = 1e-5;
        lora.params[i] = orig + eps;
        const up = loss();
        lora.params[i] = orig - eps;
        const down = loss();
        lora.params[i] = orig;
        const numeric = (up - down) / (2 * eps);
        const analytic = grads[i] as number;
        const err = Math.abs(numeric - analytic) / Math.max(1e-7, Math.abs(numeric) + Math.abs(analytic));
        expect(err, `${slot.layer} ${slot.projection} numeric ${numeric} analytic ${analytic}`).toBeLessThan(1e-5);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(6);
  });

  it("sequence log-probabilities sum the response tokens only", () => {
    const k = referenceKernels("f64");
    const model = randomDecoderModel(TINY_ARCH, k, 2);
    const lora = new LoraParams(k, loraLayout(TINY_ARCH, DEFAULT_LORA), DEFAULT_LORA);
    const net = new LoraTrainModel(model, lora);
    const rng = new Rng(3);
    const a = sequence(rng, 7, 4, TINY_ARCH.vocab);
    // The same prompt with another response continues the same prefix: changing a prompt-only weight changes nothing.
    const b: Encoded = { ids: a.ids, weights: a.weights.map((w, i) => (i === 4 ? 0 : w)) };
    const [la, lb] = sequenceLogprobs(net, [{ chosen: a, rejected: b }], [0], 16);
    expect(la).toBeLessThan(lb as number);
    expect(lb).toBeLessThan(0);
  });
});
