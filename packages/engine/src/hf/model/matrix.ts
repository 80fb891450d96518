/**
 * Frozen weight matrices as the checkpoint stores them: float32, or raw bfloat16 or IEEE half (F16) halves kept as
 * they are (half the memory and the bandwidth of decoding; both widen to float32 exactly, so results are the same as
 * converting on load). Matmuls dispatch to `gemm`, `gemmBf16B` or `gemmF16B`.
 */
import { TunelabError } from "@tunelab/base";
import type { Kernels, Vec } from "../../trainer/kernels/types.ts";

/** Raw IEEE half bits (safetensors' F16) as stored; a class of its own so it is never taken for bf16's Uint16Array. */
export class F16Matrix {
  constructor(readonly bits: Uint16Array) {}
  get length(): number {
    return this.bits.length;
  }
}

/** float32 values, raw bf16 halves (a Uint16Array), or raw IEEE halves. */
export type Matrix = Vec | Uint16Array | F16Matrix;

export const isBf16 = (m: Matrix): m is Uint16Array => m instanceof Uint16Array;
export const isF16 = (m: Matrix): m is F16Matrix => m instanceof F16Matrix;

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
  else if (isF16(W)) k.gemmF16B(transA, transB, M, N, K, A, lda, W.bits, ldw, C, ldc, accumulate, bias);
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
  if (isF16(table)) {
    const row = new Float32Array(d);
    for (let i = 0; i < n; i++) {
      const at = (ids[i] as number) * d;
      k.f16ToF32(table.bits.subarray(at, at + d), row, d);
      out.set(row, i * d);
    }
    return;
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
  if (!isBf16(m) && !isF16(m)) return m;
  const out = k.alloc(m.length);
  const widen = (dst: Float32Array) => (isF16(m) ? k.f16ToF32(m.bits, dst, m.length) : k.bf16ToF32(m, dst, m.length));
  if (out instanceof Float32Array) widen(out);
  else {
    const tmp = new Float32Array(m.length);
    widen(tmp);
    out.set(tmp);
  }
  return out;
}
