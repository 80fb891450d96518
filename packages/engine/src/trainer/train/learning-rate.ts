/**
 * Learning-rate schedule: linear warmup over WARMUP_FRACTION of the steps (at most 100 steps), then
 * cosine decay to 10% of the peak. The peak is the model width's base rate × the multiplier:
 * 3e-3 at d=64, scaled by sqrt(64 / d) (1.5e-3 at d=256).
 */
import type { ModelSpec } from "../types.ts";

const WARMUP_FRACTION = 0.05;
const MAX_WARMUP = 100;
const FLOOR = 0.1;

export function baseLearningRate(spec: Pick<ModelSpec, "dModel">): number {
  return 3e-3 * Math.sqrt(64 / spec.dModel);
}

export function warmupSteps(total: number): number {
  return Math.max(1, Math.min(MAX_WARMUP, Math.round(total * WARMUP_FRACTION)));
}

/** Learning rate for 0-based step `step` of `total`. */
export function learningRate(step: number, total: number, peak: number): number {
  const warm = warmupSteps(total);
  if (step < warm) return (peak * (step + 1)) / warm;
  const progress = total > warm ? (step - warm) / (total - warm) : 1;
  return peak * (FLOOR + (1 - FLOOR) * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress))));
}
