/**
 * For tests that compare two ways of computing the same LoRA gradients (native kernels against the float64
 * reference, activations saved against recomputed): adapters with random A and B (B nonzero, so they change the
 * model), and one supervised step and one DPO step on a seeded random batch, with their losses and gradients.
 */
import type { Kernels, Vec } from "../../../trainer/kernels/types.ts";
import type { Rng } from "../../../trainer/train/rng.ts";
import type { HfArchitecture } from "../../config.ts";
import { TINY_ARCH } from "../../test-support/random-model.ts";
import { dpoGradient, type PreferencePair } from "../dpo.ts";
import { LoraParams, loraLayout } from "../params.ts";
import type { LoraSettings } from "../settings.ts";
import type { LoraTrainModel } from "../train-model.ts";

/** A wider model than the gradient checks', so the native kernels' blocked paths run (GQA, q/k/v bias, q/k norm). */
export const WIDE_ARCH: HfArchitecture = {
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

export function randomLora(k: Kernels, arch: HfArchitecture, settings: LoraSettings, rng: Rng): LoraParams {
  const lora = new LoraParams(k, loraLayout(arch, settings), settings);
  lora.initialize(rng);
  for (const s of lora.layout.slots) {
    const b = lora.B(s);
    for (let i = 0; i < b.length; i++) b[i] = rng.normal() * 0.2;
  }
  return lora;
}

/** A supervised step on 3 rows of 11 tokens (dropout seed 123), then a DPO step on two pairs; `net` adapts with `lora`. */
export function sftAndDpoStep(net: LoraTrainModel, lora: LoraParams, rng: Rng, vocab: number) {
  const B = 3;
  const T = 11;
  const ids = Int32Array.from({ length: B * T }, () => Math.floor(rng.next() * vocab));
  const targets = Int32Array.from({ length: B * T }, () => Math.floor(rng.next() * vocab));
  const weights = Float32Array.from({ length: B * T }, (_, i) => (i % 4 === 0 ? 0 : 1));
  net.forward(ids, B, T, 123);
  const sft = net.loss(targets, weights, true).lossSum;
  net.backward();
  const sftGrads = Float64Array.from(lora.grads as Vec);
  const seq = (n: number, prompt: number) => {
    const s = Array.from({ length: n }, () => Math.floor(rng.next() * vocab));
    return { ids: s, weights: s.map((_, i) => (i >= prompt ? 1 : 0)) };
  };
  const pairs: PreferencePair[] = [
    { chosen: seq(9, 4), rejected: seq(7, 4) },
    { chosen: seq(6, 3), rejected: seq(10, 3) },
  ];
  const dpo = dpoGradient(net, pairs, [0, 1], Float64Array.from([-30, -25, -20, -33]), 0.3, 64, 5).loss;
  return { sft, sftGrads, dpo, dpoGrads: Float64Array.from(lora.grads as Vec) };
}
