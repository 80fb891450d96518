/**
 * A frozen linear layer with an optional LoRA adapter, forward and backward:
 *   y (+)= x·Wᵀ + b + s·(drop(x)·Aᵀ)·Bᵀ         (s = alpha / r)
 * The forward pass keeps us = s·drop(x)·Aᵀ [R, r] for the backward pass:
 *   dB = dyᵀ·us,  dUs = s·dy·B,  dA = dUsᵀ·drop(x),  dx (+)= dy·W + drop'(dUs·A)
 * Dropout masks are counter-based (recomputed from their seed, never stored).
 */
import type { Kernels, Vec } from "../../trainer/kernels/types.ts";
import { gemmW } from "../model/matrix.ts";
import type { Linear } from "../model/weights.ts";
import type { LoraParams, LoraSlot } from "./params.ts";

export interface Adapter {
  lora: LoraParams;
  slot: LoraSlot;
  scale: number;
  dropout: number;
  /** Seed of this site's dropout mask for the current step. */
  seed: number;
}

/** Scratch the adapter needs: [R, in] when dropout is on. */
export interface AdapterScratch {
  xd: Vec;
  tmp: Vec;
}

/** Forward; `us` [R, r] receives s·drop(x)·Aᵀ when an adapter is given. */
export function linearForward(
  k: Kernels,
  lin: Linear,
  x: Vec,
  R: number,
  y: Vec,
  accumulate: boolean,
  adapter: Adapter | null,
  us: Vec | null,
  scratch: AdapterScratch,
): void {
  gemmW(k, false, true, R, lin.out, lin.in, x, lin.in, lin.w, lin.in, y, lin.out, accumulate, lin.bias);
  if (!adapter || !us) return;
  const r = adapter.lora.settings.rank;
  const xd = adapter.dropout > 0 ? scratch.xd : x;
  if (adapter.dropout > 0) k.dropout(x, null, xd, R * lin.in, adapter.dropout, adapter.seed);
  k.gemm(false, true, R, r, lin.in, xd, lin.in, adapter.lora.A(adapter.slot), lin.in, us, r, false, null);
  scale(us, R * r, adapter.scale);
  k.gemm(false, true, R, lin.out, r, us, r, adapter.lora.B(adapter.slot), r, y, lin.out, true, null);
}

/**
 * Backward: writes the adapter's dA and dB, and dx (+)= the input gradient when `dx` is given.
 * `dus` is [R, r] scratch.
 */
export function linearBackward(
  k: Kernels,
  lin: Linear,
  x: Vec,
  R: number,
  dy: Vec,
  dx: Vec | null,
  accumulateDx: boolean,
  adapter: Adapter | null,
  us: Vec | null,
  dus: Vec,
  scratch: AdapterScratch,
): void {
  if (dx) gemmW(k, false, false, R, lin.in, lin.out, dy, lin.out, lin.w, lin.in, dx, lin.in, accumulateDx, null);
  if (!adapter || !us) return;
  const { lora, slot } = adapter;
  const r = lora.settings.rank;
  k.gemm(true, false, lin.out, r, R, dy, lin.out, us, r, lora.B(slot, lora.grads), r, false, null);
  k.gemm(false, false, R, r, lin.out, dy, lin.out, lora.B(slot), r, dus, r, false, null);
  scale(dus, R * r, adapter.scale);
  const xd = adapter.dropout > 0 ? scratch.xd : x;
  if (adapter.dropout > 0) k.dropout(x, null, xd, R * lin.in, adapter.dropout, adapter.seed);
  k.gemm(true, false, r, lin.in, R, dus, r, xd, lin.in, lora.A(slot, lora.grads), lin.in, false, null);
  if (!dx) return;
  if (adapter.dropout > 0) {
    // d drop(x)/dx applies the same mask: dx += mask ⊙ (dUs·A) / (1 − p).
    k.gemm(false, false, R, lin.in, r, dus, r, lora.A(slot), lin.in, scratch.tmp, lin.in, false, null);
    k.dropout(scratch.tmp, dx, dx, R * lin.in, adapter.dropout, adapter.seed);
  } else k.gemm(false, false, R, lin.in, r, dus, r, lora.A(slot), lin.in, dx, lin.in, true, null);
}

function scale(v: Vec, n: number, s: number): void {
  for (let i = 0; i < n; i++) v[i] = (v[i] as number) * s;
}
