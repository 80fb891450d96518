/**
 * The weight encodings a GGUF export writes, as ggml defines them (ggml.h, ggml-quants.c):
 * - F32: IEEE binary32, little-endian;
 * - F16: IEEE binary16, rounded to nearest, ties to even (what a float32 → float16 cast does);
 * - Q8_0: blocks of 32 values, llama.cpp's reference rule (q8-0.ts);
 * - Q5_0: blocks of 32 values, 5 bits each, llama.cpp's reference rule (q5-0.ts);
 * - Q4_K and Q6_K: ggml's k-quant super-blocks of 256 values (k-quants.ts).
 * The quantized types are encoded by a `GgufQuantize`: the model's kernels' (the native addon's, in parallel) or the
 * TypeScript reference (quantize-blocks.ts), which give the same bytes.
 */
import type { GgufQuantize, Vec } from "../../trainer/kernels/types.ts";
import { floatToF16, widenHalves } from "../halves.ts";
import { F16Matrix } from "../model/matrix.ts";
import { Q4_K_BLOCK_BYTES, Q6_K_BLOCK_BYTES, QK_K } from "./k-quants.ts";
import { Q5_0_BLOCK, Q5_0_BLOCK_BYTES } from "./q5-0.ts";
import { Q8_0_BLOCK, Q8_0_BLOCK_BYTES } from "./q8-0.ts";
import { quantizeBlocks } from "./quantize-blocks.ts";

/** ggml's type ids (`enum ggml_type`). */
export const GGML_TYPE = { F32: 0, F16: 1, Q5_0: 6, Q8_0: 8, Q4_K: 12, Q6_K: 14 } as const;
export type GgmlTypeName = keyof typeof GGML_TYPE;

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

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Values converted a chunk at a time (a multiple of every block), so raw bf16 never needs a whole float32 copy; large
 * enough that a native encoder has many blocks to share between its threads.
 */
export const ENCODE_CHUNK = 1 << 20;

/**
 * The values encoded in a type, as the bytes a GGUF file holds (little-endian). `data` is float values (float64 ones
 * rounded to float32 first), or raw bf16 or IEEE halves as a checkpoint stores them (converted to float32 exactly, a
 * chunk at a time; IEEE halves encoded as F16 are copied as they are). `quantize` encodes the quantized types.
 */
export function encodeTensor(type: GgmlTypeName, data: Vec | Uint16Array | F16Matrix, quantize: GgufQuantize = quantizeBlocks): Uint8Array {
  const out = new Uint8Array(encodedBytes(type, data.length));
  if (data instanceof F16Matrix && type === "F16") {
    if (LITTLE_ENDIAN) new Uint16Array(out.buffer).set(data.bits);
    else for (let i = 0; i < data.length; i++) new DataView(out.buffer).setUint16(i * 2, data.bits[i] as number, true);
    return out;
  }
  const halves = data instanceof Uint16Array ? data : data instanceof F16Matrix ? data.bits : null;
  const dtype = data instanceof F16Matrix ? "F16" : "BF16";
  const narrow = data instanceof Float64Array && type !== "F32" && type !== "F16";
  const scratch = halves || narrow ? new Float32Array(Math.min(ENCODE_CHUNK, data.length)) : null;
  for (let start = 0; start < data.length; start += ENCODE_CHUNK) {
    const n = Math.min(ENCODE_CHUNK, data.length - start);
    let chunk: Vec;
    if (halves && scratch) chunk = widenHalves(dtype, halves, scratch, start, n);
    else if (narrow && scratch) {
      scratch.set((data as Float64Array).subarray(start, start + n));
      chunk = scratch;
    } else chunk = (data as Vec).subarray(start, start + n);
    encodeChunk(type, chunk, n, out, start, quantize);
  }
  return out;
}

/** Encodes values [0, n) of `data` as the values from `first` on of the tensor whose bytes are `out`. */
function encodeChunk(type: GgmlTypeName, data: Vec, n: number, out: Uint8Array, first: number, quantize: GgufQuantize): void {
  if (type === "F32") {
    if (LITTLE_ENDIAN) new Float32Array(out.buffer, first * 4, n).set(data.subarray(0, n));
    else for (let i = 0; i < n; i++) new DataView(out.buffer).setFloat32((first + i) * 4, data[i] as number, true);
    return;
  }
  if (type === "F16") {
    if (LITTLE_ENDIAN) {
      const halves = new Uint16Array(out.buffer, first * 2, n);
      for (let i = 0; i < n; i++) halves[i] = floatToF16(data[i] as number);
    } else for (let i = 0; i < n; i++) new DataView(out.buffer).setUint16((first + i) * 2, floatToF16(data[i] as number), true);
    return;
  }
  // a quantized type: data is float32 here (encodeTensor narrows float64)
  const { values, bytes } = BLOCK[type];
  quantize(GGML_TYPE[type], data as Float32Array, n, out.subarray((first / values) * bytes));
}
