import { describe, expect, it } from "vitest";
import { nativeKernels } from "../../trainer/kernels/native.ts";
import type { Kernels, Vec } from "../../trainer/kernels/types.ts";
import { referenceKernels } from "../../trainer/reference/index.ts";
import { Rng } from "../../trainer/train/rng.ts";
import type { HfArchitecture } from "../config.ts";
import { randomDecoderModel, TINY_ARCH } from "../test-support/random-model.ts";
import { dpoGradient, type PreferencePair } from "./dpo.ts";
import { LoraParams, loraLayout } from "./params.ts";
import { DEFAULT_LORA } from "./settings.ts";
import { LoraTrainModel } from "./train-model.ts";

/** A wider model than the gradient checks', so the native kernels' blocked paths run. */
const ARCH: HfArchitecture = {
  ...TINY_ARCH,
  hidden: 48,
  intermediate: 80,
  heads: 6,
  kvHeads: 2,
  headDim: 8,
  vocab: 97,
  qkvBias: true,
  qkNorm: true,
};

function run(k: Kernels) {
  const model = randomDecoderModel(ARCH, k, 6, 0.3);
  const settings = { ...DEFAULT_LORA, rank: 4, alpha: 8, dropout: 0.1 };
  const lora = new LoraParams(k, loraLayout(ARCH, settings), settings);
  const rng = new Rng(17);
  lora.initialize(rng);
  for (const s of lora.layout.slots) {
    const b = lora.B(s);
    for (let i = 0; i < b.length; i++) b[i] = rng.normal() * 0.2;
  }
  const net = new LoraTrainModel(model, lora);
  const B = 3;
  const T = 11;
  const ids = Int32Array.from({ length: B * T }, () => Math.floor(rng.next() * ARCH.vocab));
  const targets = Int32Array.from({ length: B * T }, () => Math.floor(rng.next() * ARCH.vocab));
  const weights = Float32Array.from({ length: B * T }, (_, i) => (i % 4 === 0 ? 0 : 1));
  net.forward(ids, B, T, 123);
  const sft = net.loss(targets, weights, true).lossSum;
  net.backward();
  const sftGrads = Float64Array.from(lora.grads as Vec);
  const seq = (n: number, prompt: number) => {
    const s = Array.from({ length: n }, () => Math.floor(rng.next() * ARCH.vocab));
    return { ids: s, weights: s.map((_, i) => (i >= prompt ? 1 : 0)) };
  };
  const pairs: PreferencePair[] = [
    { chosen: seq(9, 4), rejected: seq(7, 4) },
    { chosen: seq(6, 3), rejected: seq(10, 3) },
  ];
  const dpo = dpoGradient(net, pairs, [0, 1], Float64Array.from([-30, -25, -20, -33]), 0.3, 64, 5).loss;
  return { sft, sftGrads, dpo, dpoGrads: Float64Array.from(lora.grads as Vec) };
}

describe("LoRA and DPO on native kernels agree with the float64 reference", () => {
  it("losses and adapter gradients (GQA, q/k/v bias, q/k norm, LoRA dropout)", () => {
    const native = run(nativeKernels());
    const reference = run(referenceKernels("f64"));
    expect(Math.abs(native.sft - reference.sft) / reference.sft).toBeLessThan(1e-5);
    expect(Math.abs(native.dpo - reference.dpo)).toBeLessThan(1e-4);
    for (const [a, b] of [
      [native.sftGrads, reference.sftGrads],
      [native.dpoGrads, reference.dpoGrads],
    ] as const) {
      let num = 0;
      let den = 0;
      for (let i = 0; i < a.length; i++) {
        num += ((a[i] as number) - (b[i] as number)) ** 2;
        den += (b[i] as number) ** 2;
      }
      expect(den).toBeGreaterThan(0);
      expect(Math.sqrt(num / den)).toBeLessThan(1e-4);
    }
  });
});
