/**
 * Gemma 2's soft-capping of its output logits: x → cap · tanh(x / cap) (`final_logit_softcapping`), in place, and its
 * backward: a gradient with respect to the capped value times 1 − tanh², where tanh = capped / cap.
 */
import type { Vec } from "../../trainer/kernels/types.ts";

/** x[i] = cap · tanh(x[i] / cap) for the first n values (all when n is absent); cap 0: unchanged. */
export function capLogits(x: Vec, cap: number, n = x.length): void {
  if (cap === 0) return;
  for (let i = 0; i < n; i++) x[i] = cap * Math.tanh((x[i] as number) / cap);
}

/** grad[i] ·= 1 − (capped[i] / cap)²: the gradient before capping, from the one after it and the capped values. */
export function capLogitsBackward(capped: Vec, grad: Vec, cap: number, n: number): void {
  for (let i = 0; i < n; i++) {
    const t = (capped[i] as number) / cap;
    grad[i] = (grad[i] as number) * (1 - t * t);
  }
}
