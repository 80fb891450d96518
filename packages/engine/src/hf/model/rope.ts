/**
 * Rotary position embedding tables as Hugging Face computes them (`ROPE_INIT_FUNCTIONS`):
 * inv_freq[i] = 1 / theta^(2i / head_dim), optionally rescaled by Llama 3's rule
 * (`_compute_llama3_parameters`: long wavelengths divided by `factor`, short ones kept, a smooth
 * blend between) or Phi-3's `longrope` (each frequency divided by its short factor, cos and sin times the attention
 * factor), then cos/sin of position · inv_freq for each position. Under partial rotary (Phi-3) the frequencies are
 * those of the rotary dims: inv_freq[i] = 1 / theta^(2i / rotary_dim).
 */
import type { Vec } from "../../trainer/kernels/types.ts";
import { type HfArchitecture, rotaryDim } from "../config.ts";

/**
 * `local`: Gemma 3's sliding-window layers, with their own base (rope_local_base_freq) and no scaling; `global`: every
 * other layer, with rope_theta and the configured scaling (Llama 3's rule, or `linear`: every frequency divided by the
 * factor, as positions / factor).
 */
export type RopeKind = "global" | "local";

export function inverseFrequencies(a: HfArchitecture, kind: RopeKind = "global"): Float64Array {
  const dim = rotaryDim(a);
  const half = dim / 2;
  const inv = new Float64Array(half);
  const theta = kind === "local" && a.gemma ? a.gemma.localRopeTheta : a.ropeTheta;
  for (let i = 0; i < half; i++) inv[i] = 1 / theta ** ((2 * i) / dim);
  if (kind === "local") return inv;
  // longrope within the pretrained context: the short factors (contextLimit keeps the engine there)
  const short = a.longRope?.shortFactor;
  if (short) for (let i = 0; i < half; i++) inv[i] = 1 / ((short[i] as number) * theta ** ((2 * i) / dim));
  if (a.ropeLinearFactor) for (let i = 0; i < half; i++) inv[i] = (inv[i] as number) / (a.ropeLinearFactor as number);
  const s = a.ropeScaling;
  if (!s) return inv;
  const lowFreqWavelen = s.originalMaxPositionEmbeddings / s.lowFreqFactor;
  const highFreqWavelen = s.originalMaxPositionEmbeddings / s.highFreqFactor;
  for (let i = 0; i < half; i++) {
    const f = inv[i] as number;
    const wavelen = (2 * Math.PI) / f;
    if (wavelen > lowFreqWavelen) inv[i] = f / s.factor;
    else if (wavelen >= highFreqWavelen) {
      const smooth = (s.originalMaxPositionEmbeddings / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
      inv[i] = ((1 - smooth) * f) / s.factor + smooth * f;
    }
  }
  return inv;
}

export interface RopeTables {
  /** [positions, rotary_dim / 2] (float32 at run time; float64 in reference tests); longrope's attention factor included. */
  cos: Vec;
  sin: Vec;
  positions: number;
}

export function ropeTables(a: HfArchitecture, positions: number, kind: RopeKind = "global"): RopeTables {
  const inv = inverseFrequencies(a, kind);
  const half = inv.length;
  // longrope scales cos and sin (so the rotated part of q and of k) by its attention factor, in float32 as HF does
  const scale = kind === "global" ? (a.longRope?.attentionFactor ?? 1) : 1;
  const cos = new Float32Array(positions * half);
  const sin = new Float32Array(positions * half);
  for (let p = 0; p < positions; p++)
    for (let i = 0; i < half; i++) {
      // HF multiplies in float32: round inv_freq and the product as it does.
      const angle = Math.fround(p * Math.fround(inv[i] as number));
      cos[p * half + i] = scale === 1 ? Math.cos(angle) : Math.fround(Math.cos(angle)) * scale;
      sin[p * half + i] = scale === 1 ? Math.sin(angle) : Math.fround(Math.sin(angle)) * scale;
    }
  return { cos, sin, positions };
}
