/**
 * Bootstrap resampling plans: which items each resample draws, as counts, so several statistics over the same number
 * of items and the same seed reuse one set of draws instead of drawing again.
 *
 * The draws are exactly those of the direct loop in bootstrap.ts (mulberry32 from the seed, resample by resample, one
 * index `floor(u * n)` per slot), tallied item-major: `counts[i * resamples + r]` is how often item i is drawn in
 * resample r. A resample mean is then `Σ_i counts[i][r] · x_i / n`, and items whose value is 0 cost nothing, which is
 * most of a paired comparison (pairs where both runs agree have difference 0).
 *
 * Plans are kept in a small least-recently-used cache bounded by MAX_CACHED_CELLS; a plan larger than MAX_PLAN_CELLS
 * is not built (the caller resamples directly).
 */

export interface ResamplePlan {
  n: number;
  resamples: number;
  seed: number;
  /** Item-major counts: `counts[i * resamples + r]`. */
  counts: Uint16Array;
}

/** The largest plan built: 2,000 resamples of up to 4,000 items (16 MB). */
export const MAX_PLAN_CELLS = 8_000_000;
/** Plans kept at once, in cells (2 bytes each): 48 MB at most. */
export const MAX_CACHED_CELLS = 24_000_000;

const cache = new Map<string, ResamplePlan>();
let cachedCells = 0;

/** Tallies the direct loop's draws for `n` items (n ≤ 65,535, so a count fits 16 bits). */
export function buildResamplePlan(n: number, resamples: number, seed: number): ResamplePlan {
  if (!(Number.isInteger(n) && n > 0 && n <= 0xffff)) throw new RangeError(`a resample plan needs 1..65535 items, got ${n}`);
  const counts = new Uint16Array(n * resamples);
  // mulberry32 inlined, the same draws as prng.ts and bootstrapMeans's direct loop
  let state = seed >>> 0;
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      (counts[Math.floor(u * n) * resamples + r] as number)++;
    }
  }
  return { n, resamples, seed: seed >>> 0, counts };
}

/** The cached plan for (n, resamples, seed), built on first use; undefined when it would exceed MAX_PLAN_CELLS. */
export function resamplePlan(n: number, resamples: number, seed: number): ResamplePlan | undefined {
  const cells = n * resamples;
  if (n === 0 || n > 0xffff || cells > MAX_PLAN_CELLS) return undefined;
  const key = `${n}:${resamples}:${seed >>> 0}`;
  const hit = cache.get(key);
  if (hit) {
    // most recently used last
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const plan = buildResamplePlan(n, resamples, seed);
  for (const [oldKey, old] of cache) {
    if (cachedCells + cells <= MAX_CACHED_CELLS) break;
    cache.delete(oldKey);
    cachedCells -= old.counts.length;
  }
  cache.set(key, plan);
  cachedCells += cells;
  return plan;
}

/** `Σ_i counts[i][r] · values[i] / n + shift` for every resample r, in resample order (not sorted). */
export function planMeans(plan: ResamplePlan, values: Float64Array, shift: number): Float64Array {
  const { n, resamples: b, counts } = plan;
  if (values.length !== n) throw new RangeError(`the plan is for ${n} items, got ${values.length}`);
  const nonzero: number[] = [];
  for (let i = 0; i < n; i++) if (values[i] !== 0) nonzero.push(i);
  const sums = new Float64Array(b);
  // four items per pass over the sums: a quarter of the loads and stores of `sums` (the hot path of a comparison)
  let k = 0;
  for (; k + 3 < nonzero.length; k += 4) {
    const i0 = nonzero[k] as number;
    const i1 = nonzero[k + 1] as number;
    const i2 = nonzero[k + 2] as number;
    const i3 = nonzero[k + 3] as number;
    const [x0, x1, x2, x3] = [values[i0] as number, values[i1] as number, values[i2] as number, values[i3] as number];
    const [b0, b1, b2, b3] = [i0 * b, i1 * b, i2 * b, i3 * b];
    for (let r = 0; r < b; r++) {
      sums[r] =
        (sums[r] as number) +
        ((counts[b0 + r] as number) * x0 +
          (counts[b1 + r] as number) * x1 +
          (counts[b2 + r] as number) * x2 +
          (counts[b3 + r] as number) * x3);
    }
  }
  for (; k < nonzero.length; k++) {
    const i = nonzero[k] as number;
    const x = values[i] as number;
    const base = i * b;
    for (let r = 0; r < b; r++) sums[r] = (sums[r] as number) + (counts[base + r] as number) * x;
  }
  for (let r = 0; r < b; r++) sums[r] = (sums[r] as number) / n + shift;
  return sums;
}
