/**
 * Folding a LoRA adapter into the base weights: W + (alpha / r)·B·A for every adapted projection. Exports fold one
 * projection at a time as they write it (`mergedProjection`), so only that projection's float32 copy is alive beside
 * the base's weights as loaded; `mergeLora` folds them all in place (tests compare served models with it).
 */
import type { Kernels, Vec } from "../../trainer/kernels/types.ts";
import { type Matrix, toF32 } from "../model/matrix.ts";
import type { HfWeights } from "../model/weights.ts";
import type { LinearProjection } from "../tensor-names.ts";
import type { LoraParams } from "./params.ts";
import { loraScale } from "./settings.ts";

/** A projection's weights as float32 values to write: W as loaded (a copy when bf16), or W + s·B·A when adapted. */
export type ProjectionValues = (layer: number, projection: LinearProjection, w: Matrix) => Vec;

/** The weights as they are: float32 (bf16 converted). */
export const plainProjection =
  (k: Kernels): ProjectionValues =>
  (_layer, _projection, w) =>
    toF32(k, w);

/**
 * W + (alpha / r)·B·A as a new float32 array for a projection the adapter adapts (W itself is left as it is), W as
 * float32 for the others.
 */
export function mergedProjection(k: Kernels, lora: LoraParams): ProjectionValues {
  const s = loraScale(lora.settings);
  const r = lora.settings.rank;
  return (layer, projection, w) => {
    const slot = lora.slot(layer, projection);
    if (!slot) return toF32(k, w);
    const merged = k.alloc(slot.out * slot.in);
    k.gemm(false, false, slot.out, slot.in, r, lora.B(slot), r, lora.A(slot), slot.in, merged, slot.in, false, null);
    const base = toF32(k, w);
    for (let i = 0; i < merged.length; i++) merged[i] = (base[i] as number) + s * (merged[i] as number);
    return merged;
  };
}

/** Folds the adapter into `weights` in place: every adapted projection becomes its float32 merged matrix. */
export function mergeLora(k: Kernels, weights: HfWeights, lora: LoraParams): void {
  const values = mergedProjection(k, lora);
  for (const slot of lora.layout.slots) {
    const lin = weights.layers[slot.layer]?.proj[slot.projection];
    if (!lin) throw new Error(`layer ${slot.layer} missing`);
    lin.w = values(slot.layer, slot.projection, lin.w);
  }
}
