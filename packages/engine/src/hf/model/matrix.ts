/**
 * Frozen weight matrices as the checkpoint stores them: float32, or raw bfloat16 halves kept as
 * they are (half the memory and the bandwidth of decoding; bf16 → f32 is exact, so results are the
 * same as converting on load). Matmuls dispatch to `gemm` or `gemmBf16B`.
 */
import { TunelabError } from "@tunelab/base";
import type { Kernels, Vec } from "../../trainer/kernels/types.ts";

export type Matrix = Vec | Uint16Array;

export const isBf16 = (m: Matrix): m is Uint16Array => m instanceof Uint16Array;

/** C[M,N] (+)= op(A)·op(W) (+ bias), W float32 or bf16. */
export function gemmW(
  k: Kernels,
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  A: Vec,
  lda: number,
  W: Matrix,
  ldw: number,
  C: Vec,
  ldc: number,
  accumulate: boolean,
  bias: Vec | null,
): void {
  if (isBf16(W)) k.gemmBf16B(transA, transB, M, N, K, A, lda, W, ldw, C, ldc, accumulate, bias);
  else k.gemm(transA, transB, M, N, K, A, lda, W, ldw, C, ldc, accumulate, bias);
}

/** out rows = rows ids[i] of a [rows, d] table. */
export function gatherRowsW(k: Kernels, ids: Int32Array, table: Matrix, out: Vec, n: number, d: number): void {
  const rows = table.length / d;
  for (let i = 0; i < n; i++) {
    const id = ids[i] as number;
    if (!(id >= 0 && id < rows))
      throw new TunelabError(
        "validation_failed",
        `token id ${id} is outside the model's embedding table (${rows} rows): the tokenizer has more ids than config.json vocab_size`,
      );
  }
  if (!isBf16(table)) {
    k.gatherRows(ids, table, out, n, d);
    return;
  }
  const bits = new Uint32Array(1);
  const f = new Float32Array(bits.buffer);
  for (let i = 0; i < n; i++) {
    const row = (ids[i] as number) * d;
    for (let j = 0; j < d; j++) {
      bits[0] = (table[row + j] as number) << 16;
      out[i * d + j] = f[0] as number;
    }
  }
}

/** A float32 copy (or the same array when it already is float32). */
export function toF32(k: Kernels, m: Matrix): Vec {
  if (!isBf16(m)) return m;
  const out = k.alloc(m.length);
  if (out instanceof Float32Array) k.bf16ToF32(m, out, m.length);
  else {
    const tmp = new Float32Array(m.length);
    k.bf16ToF32(m, tmp, m.length);
    out.set(tmp);
  }
  return out;
}
