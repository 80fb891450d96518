/**
 * ggml's Q8_0 (ggml-common.h `block_q8_0`): a block of 32 values is 34 bytes, a float16 scale d = max|x| / 127 and 32
 * signed bytes round(x / d), rounding halves away from zero as C's roundf does (llama.cpp's `quantize_row_q8_0_ref`).
 */
import type { Vec } from "../../trainer/kernels/types.ts";
import { floatToF16 } from "../halves.ts";

export const Q8_0_BLOCK = 32;
/** A Q8_0 block: a float16 scale and 32 int8 values. */
export const Q8_0_BLOCK_BYTES = 2 + Q8_0_BLOCK;

/** C's roundf: halves away from zero. */
const roundf = (x: number) => (x < 0 ? -Math.round(-x) : Math.round(x));

/** Encodes 32 values x[from …] as one Q8_0 block at out[at …]. */
export function quantizeQ8_0Block(x: Vec, from: number, out: Uint8Array, at: number): void {
  let amax = 0;
  for (let j = 0; j < Q8_0_BLOCK; j++) {
    const v = x[from + j] as number;
    if (v > amax) amax = v;
    else if (-v > amax) amax = -v;
  }
  const d = Math.fround(amax / 127);
  const id = d !== 0 ? Math.fround(1 / d) : 0;
  const bits = floatToF16(d);
  out[at] = bits & 0xff;
  out[at + 1] = bits >> 8;
  // `& 0xff`: the int8's two's-complement byte (a NaN or infinite quotient, from a subnormal scale, gives 0)
  for (let j = 0; j < Q8_0_BLOCK; j++) out[at + 2 + j] = roundf(Math.fround((x[from + j] as number) * id)) & 0xff;
}
