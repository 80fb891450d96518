/**
 * The quantized GGUF encodings a whole run of values at a time, in TypeScript: the reference of the native addon's
 * `ggufQuantize` (native/src/gguf_quants.cc), which gives the same bytes many times faster and is what an export uses
 * (through its model's kernels). `type` is ggml's type id.
 */
import type { Vec } from "../../trainer/kernels/types.ts";
import { Q4_K_BLOCK_BYTES, Q6_K_BLOCK_BYTES, QK_K, quantizeQ4KBlock, quantizeQ6KBlock } from "./k-quants.ts";
import { Q5_0_BLOCK, Q5_0_BLOCK_BYTES, quantizeQ5_0Block } from "./q5-0.ts";
import { Q8_0_BLOCK, Q8_0_BLOCK_BYTES, quantizeQ8_0Block } from "./q8-0.ts";

type BlockQuantizer = (x: Vec, from: number, out: Uint8Array, at: number) => void;

/** ggml's type id → the block: values, bytes, encoder. */
export const QUANTIZED_BLOCKS: ReadonlyMap<number, { name: string; values: number; bytes: number; quantize: BlockQuantizer }> = new Map([
  [6, { name: "Q5_0", values: Q5_0_BLOCK, bytes: Q5_0_BLOCK_BYTES, quantize: quantizeQ5_0Block }],
  [8, { name: "Q8_0", values: Q8_0_BLOCK, bytes: Q8_0_BLOCK_BYTES, quantize: quantizeQ8_0Block }],
  [12, { name: "Q4_K", values: QK_K, bytes: Q4_K_BLOCK_BYTES, quantize: quantizeQ4KBlock }],
  [14, { name: "Q6_K", values: QK_K, bytes: Q6_K_BLOCK_BYTES, quantize: quantizeQ6KBlock }],
]);

/** Encodes x[0, n) (n a multiple of the type's block) as blocks of ggml type `type` into out[0 …]. */
export function quantizeBlocks(type: number, x: Float32Array, n: number, out: Uint8Array): void {
  const block = QUANTIZED_BLOCKS.get(type);
  if (!block) throw new Error(`ggufQuantize: type ${type} is not a GGUF block type (6 Q5_0, 8 Q8_0, 12 Q4_K, 14 Q6_K)`);
  if (!Number.isInteger(n) || n < 0 || n % block.values !== 0)
    throw new Error(`ggufQuantize: ${block.name} needs a multiple of ${block.values} values, got ${n}`);
  if (x.length < n) throw new Error(`ggufQuantize: x holds ${x.length} values, fewer than ${n}`);
  const blocks = n / block.values;
  if (out.length < blocks * block.bytes) throw new Error(`ggufQuantize: out holds ${out.length} bytes, fewer than ${blocks * block.bytes}`);
  for (let b = 0; b < blocks; b++) block.quantize(x, b * block.values, out, b * block.bytes);
}
