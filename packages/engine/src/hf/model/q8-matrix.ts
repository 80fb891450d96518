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
const CHUNK = 1 << 16;

/**
 * A Q8 copy of `n` values that `widen(start, count, out)` writes as float32 into out[0..count), chunk by chunk.
 */
export function quantizeQ8(n: number, widen: (start: number, count: number, out: Float32Array) => void): Q8Matrix {
  const q = new Int8Array(n);
  const d = new Float32Array(Math.ceil(n / Q8_BLOCK));
  const chunk = new Float32Array(Math.min(CHUNK, n));
  for (let c0 = 0; c0 < n; c0 += CHUNK) {
    const count = Math.min(CHUNK, n - c0);
    widen(c0, count, chunk);
    for (let b0 = 0; b0 < count; b0 += Q8_BLOCK) {
      const b1 = Math.min(count, b0 + Q8_BLOCK);
      let amax = 0;
      for (let i = b0; i < b1; i++) {
        const a = Math.abs(chunk[i] as number);
        if (a > amax) amax = a;
      }
      const scale = Math.fround(amax / 127);
      d[(c0 + b0) >> 5] = scale;
      if (scale === 0) continue;
      const inv = 1 / scale;
      for (let i = b0; i < b1; i++) {
        const v = Math.round((chunk[i] as number) * inv);
        q[c0 + i] = Math.min(127, Math.max(-127, v));
      }
    }
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
