/**
 * The weight encodings a GGUF export writes, as ggml defines them (ggml.h, ggml-quants.c):
 * - F32: IEEE binary32, little-endian;
 * - F16: IEEE binary16, rounded to nearest, ties to even (what a float32 → float16 cast does);
 * - Q8_0: blocks of 32 values, each a float16 scale d = max|x| / 127 and 32 signed bytes round(x / d), rounding halves
 *   away from zero as C's roundf does (`quantize_row_q8_0_ref`).
 */
import type { Vec } from "../../trainer/kernels/types.ts";

/** ggml's type ids (`enum ggml_type`). */
export const GGML_TYPE = { F32: 0, F16: 1, Q8_0: 8 } as const;
export type GgmlTypeName = keyof typeof GGML_TYPE;

export const Q8_0_BLOCK = 32;
/** A Q8_0 block: a float16 scale and 32 int8 values. */
const Q8_0_BLOCK_BYTES = 2 + Q8_0_BLOCK;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float16 bits of x (round to nearest even; overflow to infinity; NaN stays NaN). */
export function floatToF16(x: number): number {
  f32[0] = x;
  const u = u32[0] as number;
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  let mant = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 | (mant >>> 13) : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // a float16 subnormal: the 24-bit significand shifted down, rounded to nearest even
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const midway = 1 << (shift - 1);
    if (rest > midway || (rest === midway && (half & 1) === 1)) half++;
    return sign | half;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // a carry out of the significand moves into the exponent, which is the right result (up to infinity)
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h++;
  return sign | h;
}

/** Bytes of `count` values in a type (`count` a multiple of 32 for Q8_0). */
export function encodedBytes(type: GgmlTypeName, count: number): number {
  if (type === "F32") return count * 4;
  if (type === "F16") return count * 2;
  if (count % Q8_0_BLOCK !== 0) throw new Error(`Q8_0 needs a multiple of ${Q8_0_BLOCK} values, got ${count}`);
  return (count / Q8_0_BLOCK) * Q8_0_BLOCK_BYTES;
}

/** C's roundf: halves away from zero. */
const roundf = (x: number) => (x < 0 ? -Math.round(-x) : Math.round(x));

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Values converted a chunk at a time (a multiple of the Q8_0 block), so raw bf16 never needs a whole float32 copy. */
const CHUNK = 1 << 16;

/**
 * The values encoded in a type, as the bytes a GGUF file holds (little-endian). `data` is float values, or raw bf16
 * halves as a checkpoint stores them (a Uint16Array: converted to float32 exactly, a chunk at a time).
 */
export function encodeTensor(type: GgmlTypeName, data: Vec | Uint16Array): Uint8Array {
  const out = new Uint8Array(encodedBytes(type, data.length));
  const bf16 = data instanceof Uint16Array ? data : null;
  const scratch = bf16 ? new Float32Array(Math.min(CHUNK, data.length)) : null;
  const scratchBits = scratch ? new Uint32Array(scratch.buffer) : null;
  for (let start = 0; start < data.length; start += CHUNK) {
    const n = Math.min(CHUNK, data.length - start);
    let chunk: Vec;
    if (bf16 && scratch && scratchBits) {
      for (let i = 0; i < n; i++) scratchBits[i] = (bf16[start + i] as number) << 16;
      chunk = scratch;
    } else chunk = (data as Vec).subarray(start, start + n);
    encodeChunk(type, chunk, n, out, start);
  }
  return out;
}

/** Encodes values [0, n) of `data` as the values from `first` on of the tensor whose bytes are `out`. */
function encodeChunk(type: GgmlTypeName, data: Vec, n: number, out: Uint8Array, first: number): void {
  const view = new DataView(out.buffer);
  if (type === "F32") {
    if (LITTLE_ENDIAN) new Float32Array(out.buffer, first * 4, n).set(data.subarray(0, n));
    else for (let i = 0; i < n; i++) view.setFloat32((first + i) * 4, data[i] as number, true);
    return;
  }
  if (type === "F16") {
    if (LITTLE_ENDIAN) {
      const halves = new Uint16Array(out.buffer, first * 2, n);
      for (let i = 0; i < n; i++) halves[i] = floatToF16(data[i] as number);
    } else for (let i = 0; i < n; i++) view.setUint16((first + i) * 2, floatToF16(data[i] as number), true);
    return;
  }
  const bytes = new Int8Array(out.buffer);
  const firstBlock = first / Q8_0_BLOCK;
  for (let b = 0; b < n / Q8_0_BLOCK; b++) {
    const from = b * Q8_0_BLOCK;
    let amax = 0;
    for (let j = 0; j < Q8_0_BLOCK; j++) {
      const v = data[from + j] as number;
      if (v > amax) amax = v;
      else if (-v > amax) amax = -v;
    }
    const d = Math.fround(amax / 127);
    const id = d !== 0 ? Math.fround(1 / d) : 0;
    const at = (firstBlock + b) * Q8_0_BLOCK_BYTES;
    view.setUint16(at, floatToF16(d), true);
    for (let j = 0; j < Q8_0_BLOCK; j++) bytes[at + 2 + j] = roundf(Math.fround((data[from + j] as number) * id));
  }
}
