/**
 * Frozen weights kept in 8 bits: Q8 blocks, llama.cpp's Q8_0 rule held as two typed arrays. Every 32 consecutive values
 * of a matrix's row-major storage share one scale d = max|x| / 127 and are stored as q = round(x / d) in [-127, 127];
 * a value is read back as q·d (float32). About 1.1 bytes a value, against 2 for bf16 and 4 for float32, at a relative
 * error of at most 1/254 of each block's largest value. The matmuls read them through the native `gemmQ8B`, which widens
 * each value as it packs B, so the arithmetic stays float32.
 */
/** Values per block (one scale each). */
export const Q8_BLOCK = 32;

export class Q8Matrix {
  constructor(
    /** The values' int8 codes, in the matrix's row-major order. */
    readonly q: Int8Array,
    /** One float32 scale per block of Q8_BLOCK codes: value i is q[i]·d[i >> 5]. */
    readonly d: Float32Array,
  ) {}
  get length(): number {
    return this.q.length;
  }
}

/** Bytes a Q8 copy of `n` values takes. */
export const q8Bytes = (n: number): number => n + 4 * Math.ceil(n / Q8_BLOCK);

/** Values widened per call while quantizing (a multiple of Q8_BLOCK): no float32 copy of a whole matrix is made. */
const CHUNK = 1 << 20;

/** Block quantizer: x[0, n) into q[0, n) and d[0, ceil(n / 32)) (the native addon's q8Quantize, or quantizeQ8Blocks). */
export type Q8Quantize = (x: Float32Array, n: number, q: Int8Array, d: Float32Array) => void;

/**
 * The reference block quantizer: per block, d = fround(max|x| / 127), q = Math.round(x / d) (computed as x·(1/d) in
 * double) clamped to ±127; an all-zero block has d 0 and q 0.
 */
export const quantizeQ8Blocks: Q8Quantize = (x, n, q, d) => {
  for (let b0 = 0; b0 < n; b0 += Q8_BLOCK) {
    const b1 = Math.min(n, b0 + Q8_BLOCK);
    let amax = 0;
    for (let i = b0; i < b1; i++) {
      const a = Math.abs(x[i] as number);
      if (a > amax) amax = a;
    }
    const scale = Math.fround(amax / 127);
    d[b0 >> 5] = scale;
    if (scale === 0) {
      q.fill(0, b0, b1);
      continue;
    }
    const inv = 1 / scale;
    for (let i = b0; i < b1; i++) q[i] = Math.min(127, Math.max(-127, Math.round((x[i] as number) * inv)));
  }
};

/**
 * A Q8 copy of `n` values that `widen(start, count, out)` writes as float32 into out[0..count), chunk by chunk (no
 * float32 copy of a whole matrix is made), each chunk quantized by `blocks`.
 */
export function quantizeQ8(
  n: number,
  widen: (start: number, count: number, out: Float32Array) => void,
  blocks: Q8Quantize = quantizeQ8Blocks,
): Q8Matrix {
  const q = new Int8Array(n);
  const d = new Float32Array(Math.ceil(n / Q8_BLOCK));
  const chunk = new Float32Array(Math.min(CHUNK, n));
  for (let c0 = 0; c0 < n; c0 += CHUNK) {
    const count = Math.min(CHUNK, n - c0);
    widen(c0, count, chunk);
    blocks(chunk, count, q.subarray(c0, c0 + count), d.subarray(c0 / Q8_BLOCK));
  }
  return new Q8Matrix(q, d);
}

/** Values from..from+count of a Q8 matrix as float32, as the kernels read them (q·d rounded once to float32). */
export function dequantizeQ8(m: Q8Matrix, out: Float32Array, from = 0, count = m.length): Float32Array {
  for (let i = 0; i < count; i++) {
    const at = from + i;
    out[i] = Math.fround((m.q[at] as number) * (m.d[at >> 5] as number));
  }
  return out;
}
