import type { Vec } from "../kernels/types.ts";
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

/** Reference of native sgemm_bf16b: B's bf16 values widened to float32 (exact), then the plain gemm. */
export function gemmBf16B(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  A: Vec,
  lda: number,
  B: Uint16Array,
  ldb: number,
  C: Vec,
  ldc: number,
  accumulate: boolean,
  bias: Vec | null,
): void {
  const wide = new Float32Array(B.length);
  bf16ToF32(B, wide, B.length);
  gemm(transA, transB, M, N, K, A, lda, wide, ldb, C, ldc, accumulate, bias);
}

/** Reference of native sgemm_f16b: B's IEEE halves widened to float32 (exact), then the plain gemm. */
export function gemmF16B(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  A: Vec,
  lda: number,
  B: Uint16Array,
  ldb: number,
  C: Vec,
  ldc: number,
  accumulate: boolean,
  bias: Vec | null,
): void {
  const wide = new Float32Array(B.length);
  f16ToF32(B, wide, B.length);
  gemm(transA, transB, M, N, K, A, lda, wide, ldb, C, ldc, accumulate, bias);
}
