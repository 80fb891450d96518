/** Next-token choice: greedy at temperature 0, else temperature + nucleus (top_p) sampling. */
import type { Vec } from "../kernels/types.ts";
import type { Rng } from "../train/rng.ts";

export function sample(logits: Vec, allowed: (id: number) => boolean, temperature: number, topP: number, rng: Rng): number {
  const V = logits.length;
  if (temperature <= 0) {
    let best = -1;
    let bestV = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < V; i++) {
      if (allowed(i) && (logits[i] as number) > bestV) [best, bestV] = [i, logits[i] as number];
    }
    return best;
  }
  const ids: number[] = [];
  let mx = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < V; i++) {
    if (!allowed(i)) continue;
    ids.push(i);
    mx = Math.max(mx, logits[i] as number);
  }
  const probs = new Map<number, number>();
  let sum = 0;
  for (const i of ids) {
    const p = Math.exp(((logits[i] as number) - mx) / temperature);
    probs.set(i, p);
    sum += p;
  }
  // Highest probability first (ties by id), keep the smallest prefix reaching top_p.
  ids.sort((a, b) => (probs.get(b) as number) - (probs.get(a) as number) || a - b);
  const keep: number[] = [];
  let mass = 0;
  for (const i of ids) {
    keep.push(i);
    mass += (probs.get(i) as number) / sum;
    if (mass >= topP) break;
  }
  let r = rng.next() * keep.reduce((s, i) => s + (probs.get(i) as number), 0);
  for (const i of keep) {
    r -= probs.get(i) as number;
    if (r <= 0) return i;
  }
  return keep[keep.length - 1] as number;
}
