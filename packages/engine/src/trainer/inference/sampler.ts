/**
 * Next-token choice: greedy at temperature 0, else temperature + nucleus (top_p) sampling. Linear in the vocabulary:
 * the nucleus sorts only the tokens of the few probability buckets it needs, and a draw is a binary search of
 * cumulative probabilities.
 *
 * With a filter (constrained decoding, json/token-constraint.ts) the choice is among the tokens it accepts.
 * Candidates are asked in the sampler's own order: the likeliest first when greedy; when sampling, draws from the
 * nucleus until one is accepted (rejection sampling: an accepted token has the odds of sampling the accepted tokens
 * of the nucleus directly). Only when those few candidates all fail is the whole vocabulary filtered (the filter then
 * refuses most ids with one comparison), and the choice made among the tokens it accepts. Returns -1 when no token
 * is allowed.
 */
import type { Vec } from "../kernels/types.ts";
import type { Rng } from "../train/rng.ts";
import { topIds } from "./logprobs.ts";

export interface TokenFilter {
  accepts(id: number): boolean;
  /** Called before the filter is asked about many ids; `mayAccept` is then a cheap test that `accepts` can pass. */
  prepareScan(): void;
  mayAccept(id: number): boolean;
}

/** Candidates asked before the whole vocabulary is filtered. */
const CANDIDATES = 16;
const DRAWS = 64;

let scratch = new Float64Array(0);

export function sample(
  logits: Vec,
  allowed: (id: number) => boolean,
  temperature: number,
  topP: number,
  rng: Rng,
  filter?: TokenFilter,
): number {
  const V = logits.length;
  if (temperature <= 0) return greedy(logits, allowed, filter);
  if (scratch.length < V) scratch = new Float64Array(V);
  const probs = scratch;
  const all = new Int32Array(V);
  let n = 0;
  let mx = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < V; i++) {
    if (!allowed(i)) continue;
    all[n++] = i;
    const l = logits[i] as number;
    if (l > mx) mx = l;
  }
  const ids = all.subarray(0, n);
  for (let k = 0; k < n; k++) {
    const i = ids[k] as number;
    probs[i] = Math.exp(((logits[i] as number) - mx) / temperature);
  }
  const keep = nucleus(ids, probs, topP);
  if (!filter) return draw(keep, probs, rng);
  const cumulative = cumulate(keep, probs);
  for (let tries = 0; tries < DRAWS; tries++) {
    const id = pick(keep, cumulative, rng);
    if (filter.accepts(id)) return id;
  }
  filter.prepareScan();
  // the same among the tokens that pass the cheap test, then (rarely) every token the filter accepts
  const likely = nucleus(ids, probs, topP).filter((i) => filter.mayAccept(i));
  if (likely.length > 0) {
    const c = cumulate(likely, probs);
    for (let tries = 0; tries < DRAWS; tries++) {
      const id = pick(likely, c, rng);
      if (filter.accepts(id)) return id;
    }
  }
  const valid = ids.filter((i) => filter.mayAccept(i) && filter.accepts(i));
  if (valid.length === 0) return -1;
  return draw(nucleus(valid, probs, topP), probs, rng);
}

function greedy(logits: Vec, allowed: (id: number) => boolean, filter: TokenFilter | undefined): number {
  const V = logits.length;
  if (filter) {
    for (const id of topIds(logits, CANDIDATES, allowed)) if (filter.accepts(id)) return id;
    filter.prepareScan();
    // the likeliest first, so that few tokens are tried
    const order: number[] = [];
    for (let i = 0; i < V; i++) if (filter.mayAccept(i) && allowed(i)) order.push(i);
    for (let round = 0; round < CANDIDATES && order.length > 0; round++) {
      let at = 0;
      for (let k = 1; k < order.length; k++) if ((logits[order[k] as number] as number) > (logits[order[at] as number] as number)) at = k;
      const id = order[at] as number;
      if (filter.accepts(id)) return id;
      order[at] = order[order.length - 1] as number;
      order.pop();
    }
    order.sort((a, b) => (logits[b] as number) - (logits[a] as number) || a - b);
    for (const id of order) if (filter.accepts(id)) return id;
    return -1;
  }
  let best = -1;
  let bestV = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < V; i++) if (allowed(i) && (logits[i] as number) > bestV) [best, bestV] = [i, logits[i] as number];
  return best;
}

/**
 * The smallest set of the likeliest ids whose probability reaches top_p (ties by lower id), highest first. Ids are
 * bucketed by probability (a quarter of a power of two each); only the buckets the nucleus reaches into are sorted.
 */
function nucleus(ids: Int32Array, probs: Float64Array, topP: number): Int32Array {
  if (topP >= 1) return ids;
  let max = 0;
  let sum = 0;
  for (const i of ids) {
    max = Math.max(max, probs[i] as number);
    sum += probs[i] as number;
  }
  const BUCKETS = 256;
  const bucketOf = (p: number) => Math.min(BUCKETS - 1, Math.floor(-Math.log2(p / max) * 4));
  const mass = new Float64Array(BUCKETS);
  for (const i of ids) {
    const b = bucketOf(probs[i] as number);
    mass[b] = (mass[b] as number) + (probs[i] as number);
  }
  let last = 0;
  for (let acc = 0; last < BUCKETS; last++) {
    acc += mass[last] as number;
    if (acc >= topP * sum) break;
  }
  last = Math.min(BUCKETS - 1, last + 1); // one bucket more: the sums above and below round differently
  const candidates = Array.from(ids.filter((i) => bucketOf(probs[i] as number) <= last));
  candidates.sort((a, b) => (probs[b] as number) - (probs[a] as number) || a - b);
  let acc = 0;
  let k = 0;
  while (k < candidates.length) {
    acc += (probs[candidates[k++] as number] as number) / sum;
    if (acc >= topP) break;
  }
  return Int32Array.from(candidates.slice(0, k));
}

function cumulate(keep: Int32Array, probs: Float64Array): Float64Array {
  const c = new Float64Array(keep.length);
  let s = 0;
  for (let k = 0; k < keep.length; k++) {
    s += probs[keep[k] as number] as number;
    c[k] = s;
  }
  return c;
}

/** One draw: the first id whose cumulative probability reaches r (binary search). */
function pick(keep: Int32Array, cumulative: Float64Array, rng: Rng): number {
  const r = rng.next() * (cumulative[cumulative.length - 1] as number);
  let lo = 0;
  let hi = keep.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cumulative[mid] as number) >= r) hi = mid;
    else lo = mid + 1;
  }
  return keep[lo] as number;
}

function draw(keep: Int32Array, probs: Float64Array, rng: Rng): number {
  let total = 0;
  for (let k = 0; k < keep.length; k++) total += probs[keep[k] as number] as number;
  let r = rng.next() * total;
  for (let k = 0; k < keep.length; k++) {
    r -= probs[keep[k] as number] as number;
    if (r <= 0) return keep[k] as number;
  }
  return keep[keep.length - 1] as number;
}
