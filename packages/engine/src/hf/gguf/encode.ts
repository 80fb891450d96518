/**
 * The weight encodings a GGUF export writes, as ggml defines them (ggml.h, ggml-quants.c):
 * - F32: IEEE binary32, little-endian;
 * - F16: IEEE binary16, rounded to nearest, ties to even (what a float32 → float16 cast does);
 * - Q8_0: blocks of 32 values, each a float16 scale d = max|x| / 127 and 32 signed bytes round(x / d), rounding halves
 *   away from zero as C's roundf does (`quantize_row_q8_0_ref`);
 * - Q5_0: blocks of 32 values, 5 bits each, llama.cpp's reference rule (q5-0.ts);
 * - Q4_K and Q6_K: ggml's k-quant super-blocks of 256 values (k-quants.ts).
 */
import type { Vec } from "../../trainer/kernels/types.ts";
import { floatToF16, widenHalves } from "../halves.ts";
import { F16Matrix } from "../model/matrix.ts";
import { Q4_K_BLOCK_BYTES, Q6_K_BLOCK_BYTES, QK_K, quantizeQ4KBlock, quantizeQ6KBlock } from "./k-quants.ts";
import { Q5_0_BLOCK, Q5_0_BLOCK_BYTES, quantizeQ5_0Block } from "./q5-0.ts";

/** ggml's type ids (`enum ggml_type`). */
export const GGML_TYPE = { F32: 0, F16: 1, Q5_0: 6, Q8_0: 8, Q4_K: 12, Q6_K: 14 } as const;
export type GgmlTypeName = keyof typeof GGML_TYPE;

export const Q8_0_BLOCK = 32;
/** A Q8_0 block: a float16 scale and 32 int8 values. */
const Q8_0_BLOCK_BYTES = 2 + Q8_0_BLOCK;

/** Values and bytes of one block of each quantized type. */
const BLOCK: Record<"Q5_0" | "Q8_0" | "Q4_K" | "Q6_K", { values: number; bytes: number }> = {
  Q5_0: { values: Q5_0_BLOCK, bytes: Q5_0_BLOCK_BYTES },
  Q8_0: { values: Q8_0_BLOCK, bytes: Q8_0_BLOCK_BYTES },
  Q4_K: { values: QK_K, bytes: Q4_K_BLOCK_BYTES },
  Q6_K: { values: QK_K, bytes: Q6_K_BLOCK_BYTES },
};

/** Values per block of a type (1 for F32 and F16): a matrix's rows must be a multiple of it. */
export const blockValues = (type: GgmlTypeName): number => (type === "F32" || type === "F16" ? 1 : BLOCK[type].values);

/** Bytes of `count` values in a type (`count` a multiple of 32 for Q5_0 and Q8_0, of 256 for Q4_K and Q6_K). */
export function encodedBytes(type: GgmlTypeName, count: number): number {
  if (type === "F32") return count * 4;
  if (type === "F16") return count * 2;
  const block = BLOCK[type];
  if (count % block.values !== 0) throw new Error(`${type} needs a multiple of ${block.values} values, got ${count}`);
  return (count / block.values) * block.bytes;
}

/** C's roundf: halves away from zero. */
const roundf = (x: number) => (x < 0 ? -Math.round(-x) : Math.round(x));

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Values converted a chunk at a time (a multiple of every block), so raw bf16 never needs a whole float32 copy. */
const CHUNK = 1 << 16;

/**
 * The values encoded in a type, as the bytes a GGUF file holds (little-endian). `data` is float values, or raw bf16 or
 * IEEE halves as a checkpoint stores them (converted to float32 exactly, a chunk at a time; IEEE halves encoded as F16
 * are copied as they are).
 */
export function encodeTensor(type: GgmlTypeName, data: Vec | Uint16Array | F16Matrix): Uint8Array {
  const out = new Uint8Array(encodedBytes(type, data.length));
  if (data instanceof F16Matrix && type === "F16") {
    if (LITTLE_ENDIAN) new Uint16Array(out.buffer).set(data.bits);
    else for (let i = 0; i < data.length; i++) new DataView(out.buffer).setUint16(i * 2, data.bits[i] as number, true);
    return out;
  }
  const halves = data instanceof Uint16Array ? data : data instanceof F16Matrix ? data.bits : null;
  const dtype = data instanceof F16Matrix ? "F16" : "BF16";
  const scratch = halves ? new Float32Array(Math.min(CHUNK, data.length)) : null;
  for (let start = 0; start < data.length; start += CHUNK) {
    const n = Math.min(CHUNK, data.length - start);
    const chunk = halves && scratch ? widenHalves(dtype, halves, scratch, start, n) : (data as Vec).subarray(start, start + n);
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
  if (type === "Q4_K" || type === "Q6_K" || type === "Q5_0") {
    const quantize = type === "Q4_K" ? quantizeQ4KBlock : type === "Q6_K" ? quantizeQ6KBlock : quantizeQ5_0Block;
    const { values, bytes } = BLOCK[type];
    for (let b = 0; b < n / values; b++) quantize(data, b * values, out, (first / values + b) * bytes);
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
