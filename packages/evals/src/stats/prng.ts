/**
 * mulberry32: a small seeded PRNG returning floats in [0, 1). Used so bootstrap intervals are reproducible: the
 * same seed and data always give the same interval. (The test fixtures reimplement it in Python with numpy.)
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
