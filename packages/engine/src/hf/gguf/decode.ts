/**
 * A GGUF tensor's bytes back to float32, as llama.cpp dequantizes them (ggml-quants.c `dequantize_row_*`, each product
 * rounded to float32): what the encoder's tests compare against the input and against scripts/gguf_reference.py.
 */
import { halfToFloat } from "../halves.ts";
import { encodedBytes, type GgmlTypeName } from "./encode.ts";
import { Q4_K_BLOCK_BYTES, Q6_K_BLOCK_BYTES, QK_K } from "./k-quants.ts";
import { Q5_0_BLOCK, Q5_0_BLOCK_BYTES } from "./q5-0.ts";
import { Q8_0_BLOCK } from "./q8-0.ts";

const f32 = Math.fround;

/** The `count` values whose encoding in `type` is `bytes`. */
export function decodeTensor(type: GgmlTypeName, bytes: Uint8Array, count: number): Float32Array {
  const need = encodedBytes(type, count);
  if (bytes.length !== need) throw new Error(`${type}: ${count} values take ${need} bytes, got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  const half = (at: number) => halfToFloat(view.getUint16(at, true));
  switch (type) {
    case "F32":
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    case "F16":
      for (let i = 0; i < count; i++) out[i] = half(i * 2);
      return out;
    case "Q8_0":
      for (let b = 0; b < count / Q8_0_BLOCK; b++) {
        const at = b * (2 + Q8_0_BLOCK);
        const d = half(at);
        for (let j = 0; j < Q8_0_BLOCK; j++) out[b * Q8_0_BLOCK + j] = f32(d * view.getInt8(at + 2 + j));
      }
      return out;
    case "Q5_0":
      for (let b = 0; b < count / Q5_0_BLOCK; b++) {
        const at = b * Q5_0_BLOCK_BYTES;
        const d = half(at);
        const qh = view.getUint32(at + 2, true);
        for (let j = 0; j < Q5_0_BLOCK / 2; j++) {
          const byte = bytes[at + 6 + j] as number;
          const q0 = (byte & 15) | (((qh >>> j) & 1) << 4);
          const q1 = (byte >> 4) | (((qh >>> (j + 16)) & 1) << 4);
          out[b * Q5_0_BLOCK + j] = f32((q0 - 16) * d);
          out[b * Q5_0_BLOCK + 16 + j] = f32((q1 - 16) * d);
        }
      }
      return out;
    case "Q4_K":
      for (let b = 0; b < count / QK_K; b++) decodeQ4K(bytes, b * Q4_K_BLOCK_BYTES, half, out, b * QK_K);
      return out;
    case "Q6_K":
      for (let b = 0; b < count / QK_K; b++) decodeQ6K(bytes, view, b * Q6_K_BLOCK_BYTES, half, out, b * QK_K);
      return out;
  }
}

/** The 6-bit scale and min of sub-block j from a Q4_K block's 12 packed bytes at `s`. */
function scaleMin(bytes: Uint8Array, s: number, j: number): [number, number] {
  const at = (i: number) => bytes[s + i] as number;
  if (j < 4) return [at(j) & 63, at(j + 4) & 63];
  return [(at(j + 4) & 15) | ((at(j - 4) >> 6) << 4), (at(j + 4) >> 4) | ((at(j) >> 6) << 4)];
}

function decodeQ4K(bytes: Uint8Array, at: number, half: (at: number) => number, out: Float32Array, first: number): void {
  const d = half(at);
  const dmin = half(at + 2);
  for (let j = 0; j < 8; j++) {
    const [sc, m] = scaleMin(bytes, at + 4, j);
    const step = f32(d * sc);
    const offset = f32(dmin * m);
    const chunk = at + 16 + 32 * (j >> 1);
    for (let l = 0; l < 32; l++) {
      const byte = bytes[chunk + l] as number;
      const q = j & 1 ? byte >> 4 : byte & 15;
      out[first + 32 * j + l] = f32(f32(step * q) - offset);
    }
  }
}

function decodeQ6K(bytes: Uint8Array, view: DataView, at: number, half: (at: number) => number, out: Float32Array, first: number): void {
  const d = half(at + 208);
  for (let h = 0; h < 2; h++)
    for (let l = 0; l < 32; l++) {
      const lowA = bytes[at + 64 * h + l] as number;
      const lowB = bytes[at + 64 * h + 32 + l] as number;
      const high = bytes[at + 128 + 32 * h + l] as number;
      const qs = [
        (lowA & 15) | ((high & 3) << 4),
        (lowB & 15) | (((high >> 2) & 3) << 4),
        (lowA >> 4) | (((high >> 4) & 3) << 4),
        (lowB >> 4) | (((high >> 6) & 3) << 4),
      ];
      for (let k = 0; k < 4; k++) {
        const index = 128 * h + 32 * k + l;
        const scale = view.getInt8(at + 192 + (index >> 4));
        out[first + index] = f32(f32(d * scale) * ((qs[k] as number) - 32));
      }
    }
}
