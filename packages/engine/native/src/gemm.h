// Single-precision matrix multiply, row-major:
//   C[M,N] = (accumulate ? C : 0) + op(A)[M,K] * op(B)[K,N] (+ bias[N] if bias != nullptr)
// op(A) = A (A is M x K, row stride lda) or A^T (A is K x M) when trans_a; likewise op(B) with trans_b.
// Every element of C is accumulated over K in the same order whatever the thread count.
// With M ≤ 4 (decoding) nothing is packed: op(A)'s rows are copied once and, when trans_b (y = x·Wᵀ with
// W [N, K] row-major, Hugging Face's linear layout), each C element is one vectorized dot product
// over a contiguous row of B; column blocks are split across the threads. Same result as the packed
// path to float rounding; the summation order depends on the ISA only.
#pragma once
#include <cstdint>

namespace tl {

void sgemm(bool trans_a, bool trans_b, int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
           bool accumulate, const float* bias);

// Same, on the calling thread only (for use inside parallel tasks, e.g. per attention head).
void sgemm_serial(bool trans_a, bool trans_b, int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
                  bool accumulate, const float* bias);

// sgemm with B in bfloat16 (raw little-endian halves, e.g. frozen base weights kept as stored): B's
// panels are converted to float32 while packing (or on the fly by the small-M path); the arithmetic is
// float32. Both trans_b (y = x·Wᵀ) and not (dX = dY·W, LoRA's backward).
void sgemm_bf16b(bool trans_a, bool trans_b, int M, int N, int K, const float* A, int lda, const uint16_t* B, int ldb, float* C, int ldc,
                 bool accumulate, const float* bias);

// The same with B in IEEE half (safetensors' F16, raw little-endian halves), converted to float32 the same ways.
void sgemm_f16b(bool trans_a, bool trans_b, int M, int N, int K, const float* A, int lda, const uint16_t* B, int ldb, float* C, int ldc,
                bool accumulate, const float* bias);

// The same with B in Q8 blocks: int8 values Bq and one float32 scale per 32 consecutive values of B's storage
// (Bd[flat index / 32]), each value q·d computed in float32 as it is packed (or on the fly by the small-M path); the
// arithmetic is float32. Frozen base weights kept in 8 bits: about half of bf16's memory.
void sgemm_q8b(bool trans_a, bool trans_b, int M, int N, int K, const float* A, int lda, const int8_t* Bq, const float* Bd, int ldb,
               float* C, int ldc, bool accumulate, const float* bias);

// The same with B in Q4 blocks (q4_blocks.h): per 32 consecutive values of B's storage, 16 bytes of 4-bit codes Bq
// (byte j: value j in the low nibble, j + 16 in the high one) and one float32 scale Bd; each value (c - 8)·d computed in
// float32 as it is packed (or on the fly by the small-M path). About a quarter of bf16's memory.
void sgemm_q4b(bool trans_a, bool trans_b, int M, int N, int K, const float* A, int lda, const uint8_t* Bq, const float* Bd, int ldb,
               float* C, int ldc, bool accumulate, const float* bias);

const char* gemm_isa();
// Forces a microkernel ("avx512", "avx2", "generic"); returns false if this CPU cannot run it.
bool set_gemm_isa(const char* name);

}  // namespace tl
