/**
 * AdamW with global gradient-norm clipping. Weight decay applies to the matrices only (the first
 * `layout.decayed` parameters); biases and LayerNorm gains are not decayed.
 */
import type { Kernels, Vec } from "../kernels/types.ts";
import type { Transformer } from "../model/transformer.ts";

export const ADAM = { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1, clipNorm: 1.0 } as const;

export class AdamW {
  readonly m: Vec;
  readonly v: Vec;

  constructor(
    private readonly k: Kernels,
    n: number,
    state?: { m: Vec; v: Vec },
  ) {
    this.m = k.alloc(n);
    this.v = k.alloc(n);
    if (state) {
      this.m.set(state.m);
      this.v.set(state.v);
    }
  }

  /** One update at 1-based step t; returns the gradient norm before clipping. */
  step(model: Transformer, t: number, lr: number): number {
    const { params, grads } = model;
    const n = params.length;
    const norm = Math.sqrt(this.k.sumsq(grads, n));
    const scale = norm > ADAM.clipNorm ? ADAM.clipNorm / norm : 1;
    const bc1 = 1 - ADAM.beta1 ** t;
    const bc2 = 1 - ADAM.beta2 ** t;
    const d = model.layout.decayed;
    const { beta1: b1, beta2: b2, eps } = ADAM;
    this.k.adamw(params, grads, this.m, this.v, d, lr, b1, b2, eps, ADAM.weightDecay, scale, bc1, bc2);
    const tail = (a: Vec) => a.subarray(d);
    this.k.adamw(tail(params), tail(grads), tail(this.m), tail(this.v), n - d, lr, b1, b2, eps, 0, scale, bc1, bc2);
    return norm;
  }
}
