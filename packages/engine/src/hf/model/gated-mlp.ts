/**
 * The gated MLP's activation: SwiGLU (silu(gate) · up) for the Llama family, GeGLU with GELU's tanh approximation
 * (gelu_tanh(gate) · up, `gelu_pytorch_tanh`) for Gemma 3, composed from the GELU kernels.
 */
import type { Kernels, Vec } from "../../trainer/kernels/types.ts";
import type { HfArchitecture } from "../config.ts";

/** out = act(gate) · up over n values. */
export function gatedFwd(k: Kernels, a: HfArchitecture, gate: Vec, up: Vec, out: Vec, n: number): void {
  if (!a.gemma) {
    k.swigluFwd(gate, up, out, n);
    return;
  }
  k.geluFwd(gate, out, n);
  for (let i = 0; i < n; i++) out[i] = (out[i] as number) * (up[i] as number);
}

/** The backward of gatedFwd: dgate and dup from dout (dgate may be dout itself, as swigluBwd allows). */
export function gatedBwd(k: Kernels, a: HfArchitecture, gate: Vec, up: Vec, dout: Vec, dgate: Vec, dup: Vec, n: number): void {
  if (!a.gemma) {
    k.swigluBwd(gate, up, dout, dgate, dup, n);
    return;
  }
  k.geluFwd(gate, dup, n);
  for (let i = 0; i < n; i++) {
    const g = dout[i] as number;
    dup[i] = (dup[i] as number) * g;
    dgate[i] = g * (up[i] as number);
  }
  k.geluBwd(gate, dgate, dgate, n);
}
