// Single-precision matrix multiply, row-major:
//   C[M,N] = (accumulate ? C : 0) + op(A)[M,K] * op(B)[K,N] (+ bias[N] if bias != nullptr)
// op(A) = A (A is M x K, row stride lda) or A^T (A is K x M) when trans_a; likewise op(B) with trans_b.
// Every element of C is accumulated over K in the same order whatever the thread count.
#pragma once

namespace tl {

void sgemm(bool trans_a, bool trans_b, int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
           bool accumulate, const float* bias);

// Same, on the calling thread only (for use inside parallel tasks, e.g. per attention head).
void sgemm_serial(bool trans_a, bool trans_b, int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
                  bool accumulate, const float* bias);

const char* gemm_isa();
// Forces a microkernel ("avx512", "avx2", "generic"); returns false if this CPU cannot run it.
bool set_gemm_isa(const char* name);

}  // namespace tl
