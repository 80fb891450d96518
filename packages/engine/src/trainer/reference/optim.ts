import type { Vec } from "../kernels/types.ts";

export function crossEntropy(
  logits: Vec,
  targets: Int32Array,
  weights: Vec,
  losses: Vec,
  correct: Vec,
  rows: number,
  V: number,
  grad: boolean,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * V;
    const w = weights[r] as number;
    if (w === 0) {
      losses[r] = 0;
      correct[r] = 0;
      if (grad) logits.fill(0, o, o + V);
      continue;
    }
    const t = targets[r] as number;
    let mx = logits[o] as number;
    let arg = 0;
    for (let j = 1; j < V; j++) {
      if ((logits[o + j] as number) > mx) {
        mx = logits[o + j] as number;
        arg = j;
      }
    }
    let sum = 0;
    for (let j = 0; j < V; j++) sum += Math.exp((logits[o + j] as number) - mx);
    losses[r] = mx + Math.log(sum) - (logits[o + t] as number);
    correct[r] = arg === t ? 1 : 0;
    if (grad) {
      for (let j = 0; j < V; j++) logits[o + j] = (Math.exp((logits[o + j] as number) - mx) / sum) * w;
      logits[o + t] = (logits[o + t] as number) - w;
    }
  }
}

export function adamw(
  p: Vec,
  g: Vec,
  m: Vec,
  v: Vec,
  n: number,
  lr: number,
  b1: number,
  b2: number,
  eps: number,
  wd: number,
  gscale: number,
  bc1: number,
  bc2: number,
): void {
  for (let i = 0; i < n; i++) {
    const gi = (g[i] as number) * gscale;
    const mi = b1 * (m[i] as number) + (1 - b1) * gi;
    const vi = b2 * (v[i] as number) + (1 - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = (p[i] as number) - lr * (mi / bc1 / (Math.sqrt(vi / bc2) + eps) + wd * (p[i] as number));
  }
}

export function sumsq(x: Vec, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += (x[i] as number) * (x[i] as number);
  return s;
}

/** Reference dropout: murmur3's finalizer over (seed, index), as in native/src/layers.cc. */
export function dropout(x: Vec, base: Vec | null, out: Vec, n: number, p: number, seed: number): void {
  const threshold = Math.floor(p * 4294967296);
  const scale = 1 / (1 - p);
  for (let i = 0; i < n; i++) {
    let h = (Math.imul(i, 0x9e3779b1) + seed) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
    h = Math.imul(h, 0x85ebca6b) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
    const v = h >= threshold ? (x[i] as number) * scale : 0;
    out[i] = base ? (base[i] as number) + v : v;
  }
}
