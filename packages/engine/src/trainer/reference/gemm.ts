import type { GemmHalvesB, GemmQ4B, GemmQ8B, Vec } from "../kernels/types.ts";
import { bf16ToF32, f16ToF32 } from "./halves.ts";

/** Reference of native sgemm: plain triple loop, accumulating over k in order. */
export function gemm(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  A: Vec,
  lda: number,
  B: Vec,
  ldb: number,
  C: Vec,
  ldc: number,
  accumulate: boolean,
  bias: Vec | null,
): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        const a = transA ? (A[k * lda + i] as number) : (A[i * lda + k] as number);
        const b = transB ? (B[j * ldb + k] as number) : (B[k * ldb + j] as number);
        s += a * b;
      }
      const c = i * ldc + j;
      C[c] = (accumulate ? (C[c] as number) : 0) + s + (bias ? (bias[j] as number) : 0);
    }
  }
}

/** A reference of a gemm whose B holds raw halves: B widened to float32 by `widen` (exact), then the plain gemm. */
function halvesB(widen: (src: Uint16Array, dst: Float32Array, n: number) => void): GemmHalvesB {
  return (transA, transB, M, N, K, A, lda, B, ldb, C, ldc, accumulate, bias) => {
    const wide = new Float32Array(B.length);
    widen(B, wide, B.length);
    gemm(transA, transB, M, N, K, A, lda, wide, ldb, C, ldc, accumulate, bias);
  };
}

/** Reference of native sgemm_bf16b (B in bfloat16). */
export const gemmBf16B = halvesB(bf16ToF32);
/** Reference of native sgemm_f16b (B in IEEE half). */
export const gemmF16B = halvesB(f16ToF32);

/**
 * Reference of native sgemm_q8b (B in Q8 blocks): every value widened to float32 as q·d (the product of an int8 and a
 * float32 is exact in a double, so `Math.fround` rounds it once, as float32 multiplication does), then the plain gemm.
 */
export const gemmQ8B: GemmQ8B = (transA, transB, M, N, K, A, lda, Bq, Bd, ldb, C, ldc, accumulate, bias) => {
  const wide = new Float32Array(Bq.length);
  for (let i = 0; i < Bq.length; i++) wide[i] = Math.fround((Bq[i] as number) * (Bd[i >> 5] as number));
  gemm(transA, transB, M, N, K, A, lda, wide, ldb, C, ldc, accumulate, bias);
};

/**
 * Reference of native sgemm_q4b (B in Q4 blocks): every value widened to float32 as (c - 8)·d (exact in a double,
 * rounded once by `Math.fround`, as float32 multiplication does), then the plain gemm.
 */
export const gemmQ4B: GemmQ4B = (transA, transB, M, N, K, A, lda, Bq, Bd, ldb, C, ldc, accumulate, bias) => {
  const n = Bd.length * 32;
  const wide = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const byte = Bq[(i >> 5) * 16 + (i & 15)] as number;
    const c = i & 16 ? byte >> 4 : byte & 15;
    wide[i] = Math.fround((c - 8) * (Bd[i >> 5] as number));
  }
  gemm(transA, transB, M, N, K, A, lda, wide, ldb, C, ldc, accumulate, bias);
};
