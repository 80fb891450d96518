import { describe, expect, it } from "vitest";
import { nativeKernels } from "../../trainer/kernels/native.ts";
import type { Kernels } from "../../trainer/kernels/types.ts";
import { referenceKernels } from "../../trainer/reference/index.ts";
import { Rng } from "../../trainer/train/rng.ts";
import { randomDecoderModel } from "../test-support/random-model.ts";
import { DEFAULT_LORA } from "./settings.ts";
import { randomLora, sftAndDpoStep, WIDE_ARCH } from "./test-support/sft-dpo-step.ts";
import { LoraTrainModel } from "./train-model.ts";

const ARCH = WIDE_ARCH;

function run(k: Kernels) {
  const model = randomDecoderModel(ARCH, k, 6, 0.3);
  const rng = new Rng(17);
  const lora = randomLora(k, ARCH, { ...DEFAULT_LORA, rank: 4, alpha: 8, dropout: 0.1 }, rng);
  return sftAndDpoStep(new LoraTrainModel(model, lora), lora, rng, ARCH.vocab);
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
