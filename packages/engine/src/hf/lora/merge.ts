/** Folds a LoRA adapter into the base weights: W ← W + (alpha / r)·B·A for every adapted projection. */
import type { Kernels } from "../../trainer/kernels/types.ts";
import { toF32 } from "../model/matrix.ts";
import type { HfWeights } from "../model/weights.ts";
import type { LoraParams } from "./params.ts";
import { loraScale } from "./settings.ts";

export function mergeLora(k: Kernels, weights: HfWeights, lora: LoraParams): void {
  const s = loraScale(lora.settings);
  const r = lora.settings.rank;
  for (const slot of lora.layout.slots) {
    const lin = weights.layers[slot.layer]?.proj[slot.projection];
    if (!lin) throw new Error(`layer ${slot.layer} missing`);
    const delta = k.alloc(slot.out * slot.in);
    k.gemm(false, false, slot.out, slot.in, r, lora.B(slot), r, lora.A(slot), slot.in, delta, slot.in, false, null);
    const w = toF32(k, lin.w);
    for (let i = 0; i < delta.length; i++) w[i] = (w[i] as number) + s * (delta[i] as number);
    lin.w = w;
  }
}
