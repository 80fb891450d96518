/**
 * Frozen weights kept in 4 bits: Q4 blocks, llama.cpp's Q4_0 rule (and byte layout) with a float32 scale, held as two
 * typed arrays. Every 32 consecutive values of a matrix's row-major storage share one scale d = m / -8, m the block's
 * value of largest magnitude (the first of equals), and are stored as 4-bit codes c = round(x / d) + 8 clamped to
 * [0, 15]; a value is read back as (c - 8)·d (float32). Byte j of a block's 16 holds value j in its low nibble and
 * value j + 16 in its high one. About 0.63 bytes a value, against 1.1 for Q8, 2 for bf16 and 4 for float32, at an
 * error of at most half a step (|m| / 8) per value: coarse, which is why QLoRA trains adapters on such a base rather
 * than serving it alone. The matmuls read them through the native `gemmQ4B`, which widens each value as it packs B.
 */
import { Q8_BLOCK } from "./q8-matrix.ts";

/** Values per block (one scale each), as Q8's. */
export const Q4_BLOCK = Q8_BLOCK;

export class Q4Matrix {
  constructor(
    /** 16 bytes of codes per block of Q4_BLOCK values (a last short block padded with zeros). */
    readonly q: Uint8Array,
    /** One float32 scale per block: value i is (code(i) - 8)·d[i >> 5]. */
    readonly d: Float32Array,
    /** The number of values. */
    readonly length: number,
  ) {}
}

/** Bytes a Q4 copy of `n` values takes. */
export const q4Bytes = (n: number): number => 20 * Math.ceil(n / Q4_BLOCK);

/** Values widened per call while quantizing (a multiple of Q4_BLOCK): no float32 copy of a whole matrix is made. */
const CHUNK = 1 << 20;

/**
 * Block quantizer: x[0, n) into q[0, 16·ceil(n / 32)) and d[0, ceil(n / 32)) (the native addon's q4Quantize, or
 * quantizeQ4Blocks).
 */
export type Q4Quantize = (x: Float32Array, n: number, q: Uint8Array, d: Float32Array) => void;

/** Math.round(v) + 8 clamped to a 4-bit code. */
const code = (v: number): number => Math.min(15, Math.max(0, Math.round(v) + 8));

/**
 * The reference block quantizer: per block, m the first value of largest magnitude, d = fround(m / -8), codes
 * Math.round(x·(1/d)) + 8 (in double) clamped to [0, 15]; an all-zero block has d 0 and codes 8. A last block
 * shorter than 32 quantizes its missing values as 0.
 */
export const quantizeQ4Blocks: Q4Quantize = (x, n, q, d) => {
  for (let b0 = 0; b0 < n; b0 += Q4_BLOCK) {
    const b1 = Math.min(n, b0 + Q4_BLOCK);
    let amax = 0;
    let m = 0;
    for (let i = b0; i < b1; i++) {
      const v = x[i] as number;
      if (Math.abs(v) > amax) {
        amax = Math.abs(v);
        m = v;
      }
    }
    const scale = Math.fround(m / -8);
    const block = b0 / Q4_BLOCK;
    d[block] = scale;
    const inv = scale === 0 ? 0 : 1 / scale;
    const at = (i: number) => (b0 + i < b1 ? (x[b0 + i] as number) * inv : 0);
    for (let j = 0; j < 16; j++) q[block * 16 + j] = code(at(j)) | (code(at(j + 16)) << 4);
  }
};

/**
 * A Q4 copy of `n` values that `widen(start, count, out)` writes as float32 into out[0..count), chunk by chunk (no
 * float32 copy of a whole matrix is made), each chunk quantized by `blocks`.
 */
export function quantizeQ4(
  n: number,
  widen: (start: number, count: number, out: Float32Array) => void,
  blocks: Q4Quantize = quantizeQ4Blocks,
): Q4Matrix {
  const nBlocks = Math.ceil(n / Q4_BLOCK);
  const q = new Uint8Array(16 * nBlocks);
  const d = new Float32Array(nBlocks);
  const chunk = new Float32Array(Math.min(CHUNK, n));
  for (let c0 = 0; c0 < n; c0 += CHUNK) {
    const count = Math.min(CHUNK, n - c0);
    widen(c0, count, chunk);
    const b = c0 / Q4_BLOCK;
    blocks(chunk, count, q.subarray(16 * b), d.subarray(b));
  }
  return new Q4Matrix(q, d, n);
}

/** The 4-bit code of value i. */
export function q4Code(q: Uint8Array, i: number): number {
  const byte = q[(i >> 5) * 16 + (i & 15)] as number;
  return i & 16 ? byte >> 4 : byte & 15;
}

/** Values from..from+count of a Q4 matrix as float32, as the kernels read them ((c - 8)·d rounded once to float32). */
export function dequantizeQ4(m: Q4Matrix, out: Float32Array, from = 0, count = m.length): Float32Array {
  for (let i = 0; i < count; i++) {
    const at = from + i;
    out[i] = Math.fround((q4Code(m.q, at) - 8) * (m.d[at >> 5] as number));
  }
  return out;
}
