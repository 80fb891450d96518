/**
 * ggml's Q5_0 (ggml-common.h `block_q5_0`), the type llama.cpp's Q4_K_M mix falls back to for a Q4_K matrix whose
 * rows are not a multiple of 256 values. A block of 32 values is 22 bytes: float16 d, 4 bytes qh (bit j: the fifth
 * bit of value j), 16 bytes qs (byte j: value j in the low nibble, value j + 16 in the high one); value j decodes as
 * d·(q − 16), q in 0…31.
 *
 * The quantizer is llama.cpp's reference rule (`quantize_row_q5_0_ref`), so the bytes are the ones llama-quantize
 * writes without an importance matrix: the value of largest magnitude (the first, on a tie) maps to −16, d = that
 * value / −16 in float32, and q = min(31, trunc(x / d + 16.5)) in float32.
 */
import type { Vec } from "../../trainer/kernels/types.ts";
import { floatToF16 } from "../halves.ts";

export const Q5_0_BLOCK = 32;
export const Q5_0_BLOCK_BYTES = 22;

const f32 = Math.fround;

/** Encodes 32 values x[from …] as one Q5_0 block at out[at …]. */
export function quantizeQ5_0Block(x: Vec, from: number, out: Uint8Array, at: number): void {
  let amax = 0;
  let max = 0;
  for (let j = 0; j < Q5_0_BLOCK; j++) {
    const v = x[from + j] as number;
    if (amax < Math.abs(v)) {
      amax = Math.abs(v);
      max = v;
    }
  }
  const d = f32(max / -16);
  const id = d !== 0 ? f32(1 / d) : 0;
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint16(at, floatToF16(d), true);
  let qh = 0;
  for (let j = 0; j < Q5_0_BLOCK / 2; j++) {
    const q0 = Math.min(31, Math.trunc(f32(f32((x[from + j] as number) * id) + 16.5)));
    const q1 = Math.min(31, Math.trunc(f32(f32((x[from + 16 + j] as number) * id) + 16.5)));
    out[at + 6 + j] = (q0 & 15) | ((q1 & 15) << 4);
    qh |= ((q0 >> 4) & 1) << j;
    qh |= ((q1 >> 4) & 1) << (j + 16);
  }
  view.setUint32(at + 2, qh >>> 0, true);
}
