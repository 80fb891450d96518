#include "gemm.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "common.h"
#include "threadpool.h"

#if TL_X86
#include <immintrin.h>
#endif

namespace tl {
namespace {

constexpr int KC = 256;   // depth of one packed block
constexpr int MC = 96;    // rows of A per task (multiple of every MR)
constexpr int NG = 256;   // columns of B per task (multiple of every NR)
constexpr int MAX_MR = 12;
constexpr int MAX_NR = 32;
constexpr int SMALL_M_COLS = 128;  // columns per task of the small-M (decode) path
// The most rows of op(A) that take the small-M path when op(B) = Bᵀ (a linear layer's weights, stored [out × in], as
// decoding reads them: GEMV_ROWS in src/trainer/kernels/gemv-rows.ts); other products take it up to 4 rows, so that
// training's gradient products (a LoRA rank's rows) sum as they always did.
constexpr int GEMV_ROWS = 16;

// The microkernel computes an MR x NR tile from packed panels: a[k*MR + i], b[k*NR + j].
// The tile is written to c (m x n valid entries) as acc (+ bias[j]) (+ c if add).
using Kernel = void (*)(int kc, const float* a, const float* b, float* c, int ldc, int m, int n, bool add, const float* bias);

// Small-M products with op(B) = Bᵀ (y = x·Wᵀ, W [N, K] row-major, the decode case): dot products
// of the M ≤ 4 rows of A (copied to zero-padded rows of stride kpad) with rows j0..j1-1 of B.
// C[i, j] = (add ? C[i, j] : 0) + dot + (bias ? bias[j] : 0). Each dot is summed the same way
// whichever columns are computed together, so results do not depend on how columns are split.
using Gemv = void (*)(int M, int K, const float* a, int kpad, const float* B, long ldb, int j0, int j1, float* C, int ldc, bool add,
                      const float* bias);
using GemvBf16 = void (*)(int M, int K, const float* a, int kpad, const uint16_t* B, long ldb, int j0, int j1, float* C, int ldc,
                          bool add, const float* bias);

// An IEEE half as stored (raw bits): its own type, so that the templates below convert it as a half, not as bf16.
struct f16_t {
  uint16_t bits;
};
using GemvF16 = void (*)(int M, int K, const float* a, int kpad, const f16_t* B, long ldb, int j0, int j1, float* C, int ldc, bool add,
                         const float* bias);

// B quantized in Q8 blocks (sgemm_q8b): int8 values q and one float32 scale per 32 consecutive values of B's storage
// (flat index / 32), value = q * d. A pointer-like view: `B + n` moves by n values, `B[i]` is the float32 value.
struct Q8Ptr {
  const int8_t* q;
  const float* d;
  long off;
  TL_INLINE Q8Ptr operator+(long n) const { return {q, d, off + n}; }
  TL_INLINE float operator[](long i) const {
    long f = off + i;
    return static_cast<float>(q[f]) * d[f >> 5];
  }
};

// Values [f0, f0 + n) of a Q8 matrix's storage as float32 (q·d), a whole block at a time where blocks are whole.
TL_INLINE void q8_run(const Q8Ptr& B, long f0, int n, float* out) {
  long f = B.off + f0;
  const long end = f + n;
  for (; f < end && (f & 31) != 0; f++) *out++ = static_cast<float>(B.q[f]) * B.d[f >> 5];
  for (; f + 32 <= end; f += 32) {
    const int8_t* q = B.q + f;
    const float d = B.d[f >> 5];
#pragma omp simd
    for (int t = 0; t < 32; t++) out[t] = static_cast<float>(q[t]) * d;
    out += 32;
  }
  for (; f < end; f++) *out++ = static_cast<float>(B.q[f]) * B.d[f >> 5];
}

// B quantized in Q4 blocks (sgemm_q4b, q4_blocks.h): per 32 consecutive values of B's storage, 16 bytes of 4-bit codes
// (byte j of a block: value j in its low nibble, value j + 16 in its high one) and one float32 scale; value = (c - 8)·d.
struct Q4Ptr {
  const uint8_t* q;
  const float* d;
  long off;
  TL_INLINE Q4Ptr operator+(long n) const { return {q, d, off + n}; }
  TL_INLINE static float at(const uint8_t* q, const float* d, long f) {
    const uint8_t b = q[(f >> 5) * 16 + (f & 15)];
    const int c = (f & 16) ? (b >> 4) : (b & 15);
    return static_cast<float>(c - 8) * d[f >> 5];
  }
  TL_INLINE float operator[](long i) const { return at(q, d, off + i); }
};

// Values [f0, f0 + n) of a Q4 matrix's storage as float32 ((c - 8)·d), a whole block at a time where blocks are whole.
TL_INLINE void q4_run(const Q4Ptr& B, long f0, int n, float* out) {
  long f = B.off + f0;
  const long end = f + n;
  for (; f < end && (f & 31) != 0; f++) *out++ = Q4Ptr::at(B.q, B.d, f);
  for (; f + 32 <= end; f += 32) {
    const uint8_t* q = B.q + (f >> 5) * 16;
    const float d = B.d[f >> 5];
#pragma omp simd
    for (int t = 0; t < 16; t++) {
      out[t] = static_cast<float>((q[t] & 15) - 8) * d;
      out[t + 16] = static_cast<float>((q[t] >> 4) - 8) * d;
    }
    out += 32;
  }
  for (; f < end; f++) *out++ = Q4Ptr::at(B.q, B.d, f);
}

// A run of a block-quantized B widened to float32: the packing and small-M paths are the same for both formats.
TL_INLINE void block_run(const Q8Ptr& B, long f0, int n, float* out) { q8_run(B, f0, n, out); }
TL_INLINE void block_run(const Q4Ptr& B, long f0, int n, float* out) { q4_run(B, f0, n, out); }

struct Isa {
  const char* name;
  int mr;
  int nr;
  Kernel kernel;
  Gemv gemv;
  GemvBf16 gemv_bf16;
  GemvF16 gemv_f16;
};

TL_INLINE float to_f32(float v) { return v; }
TL_INLINE float to_f32(uint16_t v) { return __builtin_bit_cast(float, static_cast<uint32_t>(v) << 16); }
TL_INLINE float to_f32(f16_t v) { return f16_bits_to_f32(v.bits); }

// Epilogue shared by the kernels: tmp holds the MR x NR tile.
TL_INLINE void write_tile(const float* tmp, int nr, float* c, int ldc, int m, int n, bool add, const float* bias) {
  for (int i = 0; i < m; i++) {
    float* ci = c + static_cast<long>(i) * ldc;
    const float* ti = tmp + i * nr;
    if (add) {
      if (bias) {
        for (int j = 0; j < n; j++) ci[j] += ti[j] + bias[j];
      } else {
        for (int j = 0; j < n; j++) ci[j] += ti[j];
      }
    } else if (bias) {
      for (int j = 0; j < n; j++) ci[j] = ti[j] + bias[j];
    } else {
      for (int j = 0; j < n; j++) ci[j] = ti[j];
    }
  }
}

void kernel_generic(int kc, const float* a, const float* b, float* c, int ldc, int m, int n, bool add, const float* bias) {
  constexpr int MR = 4, NR = 16;
  float acc[MR * NR] = {0};
  for (int k = 0; k < kc; k++) {
    const float* ak = a + k * MR;
    const float* bk = b + k * NR;
    for (int i = 0; i < MR; i++) {
      float ai = ak[i];
#pragma omp simd
      for (int j = 0; j < NR; j++) acc[i * NR + j] += ai * bk[j];
    }
  }
  write_tile(acc, NR, c, ldc, m, n, add, bias);
}

#if TL_X86
__attribute__((target("avx2,fma"))) void kernel_avx2(int kc, const float* a, const float* b, float* c, int ldc, int m, int n,
                                                      bool add, const float* bias) {
  constexpr int MR = 6, NR = 16;
  __m256 acc[MR][2];
#pragma GCC unroll 8
  for (int i = 0; i < MR; i++) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
  for (int k = 0; k < kc; k++) {
    __m256 b0 = _mm256_loadu_ps(b);
    __m256 b1 = _mm256_loadu_ps(b + 8);
#pragma GCC unroll 8
    for (int i = 0; i < MR; i++) {
      __m256 ai = _mm256_broadcast_ss(a + i);
      acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);
    }
    a += MR;
    b += NR;
  }
  if (m == MR && n == NR) {
#pragma GCC unroll 8
    for (int i = 0; i < MR; i++) {
      float* ci = c + static_cast<long>(i) * ldc;
      __m256 v0 = acc[i][0], v1 = acc[i][1];
      if (bias) {
        v0 = _mm256_add_ps(v0, _mm256_loadu_ps(bias));
        v1 = _mm256_add_ps(v1, _mm256_loadu_ps(bias + 8));
      }
      if (add) {
        v0 = _mm256_add_ps(v0, _mm256_loadu_ps(ci));
        v1 = _mm256_add_ps(v1, _mm256_loadu_ps(ci + 8));
      }
      _mm256_storeu_ps(ci, v0);
      _mm256_storeu_ps(ci + 8, v1);
    }
    return;
  }
  alignas(32) float tmp[MR * NR];
#pragma GCC unroll 8
  for (int i = 0; i < MR; i++) {
    _mm256_store_ps(tmp + i * NR, acc[i][0]);
    _mm256_store_ps(tmp + i * NR + 8, acc[i][1]);
  }
  write_tile(tmp, NR, c, ldc, m, n, add, bias);
}

__attribute__((target("avx512f"))) void kernel_avx512(int kc, const float* a, const float* b, float* c, int ldc, int m, int n,
                                                       bool add, const float* bias) {
  constexpr int MR = 12, NR = 32;
  __m512 acc[MR][2];
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  for (int k = 0; k < kc; k++) {
    __m512 b0 = _mm512_loadu_ps(b);
    __m512 b1 = _mm512_loadu_ps(b + 16);
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      __m512 ai = _mm512_set1_ps(a[i]);
      acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
    }
    a += MR;
    b += NR;
  }
  if (m == MR) {
    __mmask16 m0 = n >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << n) - 1);
    __mmask16 m1 = n >= 32 ? 0xFFFF : (n > 16 ? static_cast<__mmask16>((1u << (n - 16)) - 1) : 0);
    __m512 bias0 = bias ? _mm512_maskz_loadu_ps(m0, bias) : _mm512_setzero_ps();
    __m512 bias1 = bias ? _mm512_maskz_loadu_ps(m1, bias + 16) : _mm512_setzero_ps();
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      float* ci = c + static_cast<long>(i) * ldc;
      __m512 v0 = _mm512_add_ps(acc[i][0], bias0), v1 = _mm512_add_ps(acc[i][1], bias1);
      if (add) {
        v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, ci));
        v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, ci + 16));
      }
      _mm512_mask_storeu_ps(ci, m0, v0);
      _mm512_mask_storeu_ps(ci + 16, m1, v1);
    }
    return;
  }
  alignas(64) float tmp[MR * NR];
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++) {
    _mm512_store_ps(tmp + i * NR, acc[i][0]);
    _mm512_store_ps(tmp + i * NR + 16, acc[i][1]);
  }
  write_tile(tmp, NR, c, ldc, m, n, add, bias);
}
#endif

// Portable gemv (the compiler vectorizes the reduction for the baseline ISA).
template <typename BT>
void gemv_generic(int M, int K, const float* a, int kpad, const BT* B, long ldb, int j0, int j1, float* C, int ldc, bool add,
                  const float* bias) {
  for (int i = 0; i < M; i++) {
    const float* ai = a + static_cast<long>(i) * kpad;
    float* ci = C + static_cast<long>(i) * ldc;
    for (int j = j0; j < j1; j++) {
      const BT* bj = B + j * ldb;
      float s = 0.0f;
#pragma omp simd reduction(+ : s)
      for (int k = 0; k < K; k++) s += ai[k] * to_f32(bj[k]);
      ci[j] = (add ? ci[j] : 0.0f) + s + (bias ? bias[j] : 0.0f);
    }
  }
}

// Writes the MI x JB block of dots computed at columns j..j+JB-1.
template <int MI, int JB>
TL_INLINE void gemv_store(const float* dots, int j, float* C, int ldc, bool add, const float* bias) {
  for (int i = 0; i < MI; i++) {
    float* ci = C + static_cast<long>(i) * ldc;
    for (int jb = 0; jb < JB; jb++) ci[j + jb] = (add ? ci[j + jb] : 0.0f) + dots[i * JB + jb] + (bias ? bias[j + jb] : 0.0f);
  }
}

#if TL_X86
// GCC 12's AVX-512 headers trip -Wuninitialized on their own _mm*_undefined_* placeholders (GCC PR 105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#define TL_AVX512 __attribute__((target("avx512f")))
#define TL_AVX2 __attribute__((target("avx2,fma,f16c")))

TL_AVX512 inline __m512 load16(const float* p) { return _mm512_loadu_ps(p); }
TL_AVX512 inline __m512 load16(const uint16_t* p) {
  __m512i w = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  return _mm512_castsi512_ps(_mm512_slli_epi32(w, 16));
}
TL_AVX512 inline __m512 load16(const f16_t* p) { return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }
TL_AVX2 inline __m256 load8(const float* p) { return _mm256_loadu_ps(p); }
TL_AVX2 inline __m256 load8(const uint16_t* p) {
  __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  return _mm256_castsi256_ps(_mm256_slli_epi32(w, 16));
}
TL_AVX2 inline __m256 load8(const f16_t* p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
TL_AVX2 inline float hsum8(__m256 v) {
  __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  x = _mm_add_ps(x, _mm_movehl_ps(x, x));
  x = _mm_add_ss(x, _mm_movehdup_ps(x));
  return _mm_cvtss_f32(x);
}

// MI rows of A against JB rows of B: MI·JB accumulators of 16 lanes, one pass over K. The rows of the
// next block of columns are prefetched at the same offsets (short rows defeat the hardware prefetcher:
// measured 25-30% less time per bf16 product streamed from memory).
template <int MI, int JB, typename BT>
TL_AVX512 void dots_avx512(int K, const float* a, int kpad, const BT* B, long ldb, int j, float* dots) {
  __m512 acc[MI][JB];
#pragma GCC unroll 32
  for (int x = 0; x < MI * JB; x++) acc[x / JB][x % JB] = _mm512_setzero_ps();
  const BT* b[JB];
#pragma GCC unroll 8
  for (int jb = 0; jb < JB; jb++) b[jb] = B + (j + jb) * ldb;
  const int kfull = K & ~15;
  for (int k = 0; k < kfull; k += 16) {
    __m512 av[MI];
#pragma GCC unroll 4
    for (int i = 0; i < MI; i++) av[i] = _mm512_loadu_ps(a + static_cast<long>(i) * kpad + k);
#pragma GCC unroll 8
    for (int jb = 0; jb < JB; jb++) {
      _mm_prefetch(reinterpret_cast<const char*>(b[jb] + JB * ldb + k), _MM_HINT_T0);  // the next block's rows
      __m512 bv = load16(b[jb] + k);
#pragma GCC unroll 4
      for (int i = 0; i < MI; i++) acc[i][jb] = _mm512_fmadd_ps(av[i], bv, acc[i][jb]);
    }
  }
  if (kfull < K) {  // tail: B's last elements through a zero-padded copy (A is zero-padded already)
    for (int jb = 0; jb < JB; jb++) {
      BT tail[16] = {};
      std::memcpy(tail, b[jb] + kfull, sizeof(BT) * (K - kfull));
      __m512 bv = load16(tail);
      for (int i = 0; i < MI; i++) acc[i][jb] = _mm512_fmadd_ps(_mm512_loadu_ps(a + static_cast<long>(i) * kpad + kfull), bv, acc[i][jb]);
    }
  }
#pragma GCC unroll 32
  for (int x = 0; x < MI * JB; x++) dots[x] = _mm512_reduce_add_ps(acc[x / JB][x % JB]);
}

template <int MI, int JB, typename BT>
TL_AVX2 void dots_avx2(int K, const float* a, int kpad, const BT* B, long ldb, int j, float* dots) {
  __m256 acc[MI][JB];
#pragma GCC unroll 32
  for (int x = 0; x < MI * JB; x++) acc[x / JB][x % JB] = _mm256_setzero_ps();
  const BT* b[JB];
#pragma GCC unroll 8
  for (int jb = 0; jb < JB; jb++) b[jb] = B + (j + jb) * ldb;
  const int kfull = K & ~7;
  for (int k = 0; k < kfull; k += 8) {
    __m256 av[MI];
#pragma GCC unroll 4
    for (int i = 0; i < MI; i++) av[i] = _mm256_loadu_ps(a + static_cast<long>(i) * kpad + k);
#pragma GCC unroll 8
    for (int jb = 0; jb < JB; jb++) {
      _mm_prefetch(reinterpret_cast<const char*>(b[jb] + JB * ldb + k), _MM_HINT_T0);  // the next block's rows
      __m256 bv = load8(b[jb] + k);
#pragma GCC unroll 4
      for (int i = 0; i < MI; i++) acc[i][jb] = _mm256_fmadd_ps(av[i], bv, acc[i][jb]);
    }
  }
  if (kfull < K) {
    for (int jb = 0; jb < JB; jb++) {
      BT tail[8] = {};
      std::memcpy(tail, b[jb] + kfull, sizeof(BT) * (K - kfull));
      __m256 bv = load8(tail);
      for (int i = 0; i < MI; i++) acc[i][jb] = _mm256_fmadd_ps(_mm256_loadu_ps(a + static_cast<long>(i) * kpad + kfull), bv, acc[i][jb]);
    }
  }
#pragma GCC unroll 32
  for (int x = 0; x < MI * JB; x++) dots[x] = hsum8(acc[x / JB][x % JB]);
}

// Columns in blocks of JB, the rest one at a time (the same arithmetic per column either way).
template <int MI, int JB, typename BT, bool AVX512>
TL_INLINE void gemv_rows(int K, const float* a, int kpad, const BT* B, long ldb, int j0, int j1, float* C, int ldc, bool add,
                         const float* bias) {
  float dots[MI * JB];
  int j = j0;
  for (; j + JB <= j1; j += JB) {
    if constexpr (AVX512) dots_avx512<MI, JB>(K, a, kpad, B, ldb, j, dots);
    else dots_avx2<MI, JB>(K, a, kpad, B, ldb, j, dots);
    gemv_store<MI, JB>(dots, j, C, ldc, add, bias);
  }
  for (; j < j1; j++) {
    if constexpr (AVX512) dots_avx512<MI, 1>(K, a, kpad, B, ldb, j, dots);
    else dots_avx2<MI, 1>(K, a, kpad, B, ldb, j, dots);
    gemv_store<MI, 1>(dots, j, C, ldc, add, bias);
  }
}

template <typename BT>
void gemv_avx512(int M, int K, const float* a, int kpad, const BT* B, long ldb, int j0, int j1, float* C, int ldc, bool add,
                 const float* bias) {
  switch (M) {
    case 1: return gemv_rows<1, 8, BT, true>(K, a, kpad, B, ldb, j0, j1, C, ldc, add, bias);
    case 2: return gemv_rows<2, 4, BT, true>(K, a, kpad, B, ldb, j0, j1, C, ldc, add, bias);
    case 3: return gemv_rows<3, 4, BT, true>(K, a, kpad, B, ldb, j0, j1, C, ldc, add, bias);
    default: return gemv_rows<4, 4, BT, true>(K, a, kpad, B, ldb, j0, j1, C, ldc, add, bias);
  }
}

template <typename BT>
void gemv_avx2(int M, int K, const float* a, int kpad, const BT* B, long ldb, int j0, int j1, float* C, int ldc, bool add,
               const float* bias) {
  switch (M) {  // 16 ymm registers: at most MI·JB + MI + 1 live vectors
    case 1: return gemv_rows<1, 8, BT, false>(K, a, kpad, B, ldb, j0, j1, C, ldc, add, bias);
    case 2: return gemv_rows<2, 4, BT, false>(K, a, kpad, B, ldb, j0, j1, C, ldc, add, bias);
    case 3: return gemv_rows<3, 2, BT, false>(K, a, kpad, B, ldb, j0, j1, C, ldc, add, bias);
    default: return gemv_rows<4, 2, BT, false>(K, a, kpad, B, ldb, j0, j1, C, ldc, add, bias);
  }
}
#pragma GCC diagnostic pop
#endif

constexpr Isa GENERIC = {"generic", 4, 16, kernel_generic, gemv_generic<float>, gemv_generic<uint16_t>, gemv_generic<f16_t>};
#if TL_X86
constexpr Isa AVX2 = {"avx2", 6, 16, kernel_avx2, gemv_avx2<float>, gemv_avx2<uint16_t>, gemv_avx2<f16_t>};
constexpr Isa AVX512 = {"avx512", 12, 32, kernel_avx512, gemv_avx512<float>, gemv_avx512<uint16_t>, gemv_avx512<f16_t>};
#endif

Isa detect() {
#if TL_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return AVX512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c")) return AVX2;
#endif
  return GENERIC;
}

Isa& isa() {
  static Isa value = detect();
  return value;
}

// Packs rows [i0, i0+m) x depth [k0, k0+kc) of op(A) into MR-row panels (zero-padded).
void pack_a(bool trans, const float* A, int lda, int i0, int m, int k0, int kc, int mr, float* out) {
  for (int ip = 0; ip < m; ip += mr) {
    int rows = std::min(mr, m - ip);
    float* panel = out + static_cast<long>(ip) * kc;
    if (trans) {
      for (int k = 0; k < kc; k++) {
        const float* src = A + static_cast<long>(k0 + k) * lda + i0 + ip;
        float* dst = panel + k * mr;
        int r = 0;
        for (; r < rows; r++) dst[r] = src[r];
        for (; r < mr; r++) dst[r] = 0.0f;
      }
    } else {
      for (int r = 0; r < rows; r++) {
        const float* src = A + static_cast<long>(i0 + ip + r) * lda + k0;
        for (int k = 0; k < kc; k++) panel[k * mr + r] = src[k];
      }
      for (int r = rows; r < mr; r++)
        for (int k = 0; k < kc; k++) panel[k * mr + r] = 0.0f;
    }
  }
}

// Packs depth [k0, k0+kc) x columns [j0, j0+n) of op(B) into NR-column panels (zero-padded),
// converting bf16 / f16 to float32 on the way.
template <typename BP>
void pack_b(bool trans, BP B, int ldb, int k0, int kc, int j0, int n, int nr, float* out) {
  for (int jp = 0; jp < n; jp += nr) {
    int cols = std::min(nr, n - jp);
    float* panel = out + static_cast<long>(jp) * kc;
    if (trans) {
      for (int c = 0; c < cols; c++) {
        auto src = B + static_cast<long>(j0 + jp + c) * ldb + k0;
        for (int k = 0; k < kc; k++) panel[k * nr + c] = to_f32(src[k]);
      }
      for (int c = cols; c < nr; c++)
        for (int k = 0; k < kc; k++) panel[k * nr + c] = 0.0f;
    } else {
      for (int k = 0; k < kc; k++) {
        auto src = B + static_cast<long>(k0 + k) * ldb + j0 + jp;
        float* dst = panel + k * nr;
        int c = 0;
        for (; c < cols; c++) dst[c] = to_f32(src[c]);
        for (; c < nr; c++) dst[c] = 0.0f;
      }
    }
  }
}

// pack_b for B in Q8 or Q4 blocks: each run of B's storage widened a block at a time (block_run), then laid out as the
// template lays out the other types.
template <typename QP>
void pack_b_blocks(bool trans, QP B, int ldb, int k0, int kc, int j0, int n, int nr, float* out) {
  alignas(64) float run[KC + 32];
  for (int jp = 0; jp < n; jp += nr) {
    int cols = std::min(nr, n - jp);
    float* panel = out + static_cast<long>(jp) * kc;
    if (trans) {
      for (int c = 0; c < cols; c++) {
        block_run(B, static_cast<long>(j0 + jp + c) * ldb + k0, kc, run);
        for (int k = 0; k < kc; k++) panel[k * nr + c] = run[k];
      }
      for (int c = cols; c < nr; c++)
        for (int k = 0; k < kc; k++) panel[k * nr + c] = 0.0f;
    } else {
      for (int k = 0; k < kc; k++) {
        float* dst = panel + k * nr;
        block_run(B, static_cast<long>(k0 + k) * ldb + j0 + jp, cols, dst);
        for (int c = cols; c < nr; c++) dst[c] = 0.0f;
      }
    }
  }
}

void pack_b(bool trans, Q8Ptr B, int ldb, int k0, int kc, int j0, int n, int nr, float* out) {
  pack_b_blocks(trans, B, ldb, k0, kc, j0, n, nr, out);
}

void pack_b(bool trans, Q4Ptr B, int ldb, int k0, int kc, int j0, int n, int nr, float* out) {
  pack_b_blocks(trans, B, ldb, k0, kc, j0, n, nr, out);
}

// Small M with op(B) = B (K x N): C rows accumulate a[i][k] · B[k, j0..j1) over k in order.
// a holds op(A)'s M rows (stride kpad).
template <typename BP>
TL_INLINE void small_m_body(int M, int j0, int j1, int K, const float* a, int kpad, BP B, int ldb, float* C, int ldc,
                            bool accumulate, const float* bias) {
  if (!accumulate)
    for (int i = 0; i < M; i++)
      for (int j = j0; j < j1; j++) C[static_cast<long>(i) * ldc + j] = 0.0f;
  for (int k = 0; k < K; k++) {
    auto bk = B + static_cast<long>(k) * ldb;
    for (int i = 0; i < M; i++) {
      float aik = a[static_cast<long>(i) * kpad + k];
      float* ci = C + static_cast<long>(i) * ldc;
#pragma omp simd
      for (int j = j0; j < j1; j++) ci[j] += aik * to_f32(bk[j]);
    }
  }
  if (bias)
    for (int i = 0; i < M; i++)
      for (int j = j0; j < j1; j++) C[static_cast<long>(i) * ldc + j] += bias[j];
}

TL_CLONES void small_m(int M, int j0, int j1, int K, const float* a, int kpad, const float* B, int ldb, float* C, int ldc, bool accumulate,
                       const float* bias) {
  small_m_body(M, j0, j1, K, a, kpad, B, ldb, C, ldc, accumulate, bias);
}

TL_CLONES void small_m(int M, int j0, int j1, int K, const float* a, int kpad, const uint16_t* B, int ldb, float* C, int ldc,
                       bool accumulate, const float* bias) {
  small_m_body(M, j0, j1, K, a, kpad, B, ldb, C, ldc, accumulate, bias);
}

TL_CLONES void small_m(int M, int j0, int j1, int K, const float* a, int kpad, const f16_t* B, int ldb, float* C, int ldc, bool accumulate,
                       const float* bias) {
  small_m_body(M, j0, j1, K, a, kpad, B, ldb, C, ldc, accumulate, bias);
}

// B in Q8 or Q4 blocks: each row segment of B (at most SMALL_M_COLS columns, one task's) widened once (block_run),
// then accumulated as small_m_body does, in the same order.
template <typename QP>
TL_INLINE void small_m_blocks(int M, int j0, int j1, int K, const float* a, int kpad, QP B, int ldb, float* C, int ldc,
                              bool accumulate, const float* bias) {
  alignas(64) float row[SMALL_M_COLS];
  const int n = j1 - j0;
  if (!accumulate)
    for (int i = 0; i < M; i++)
      for (int j = j0; j < j1; j++) C[static_cast<long>(i) * ldc + j] = 0.0f;
  for (int k = 0; k < K; k++) {
    block_run(B, static_cast<long>(k) * ldb + j0, n, row);
    for (int i = 0; i < M; i++) {
      const float aik = a[static_cast<long>(i) * kpad + k];
      float* ci = C + static_cast<long>(i) * ldc + j0;
#pragma omp simd
      for (int t = 0; t < n; t++) ci[t] += aik * row[t];
    }
  }
  if (bias)
    for (int i = 0; i < M; i++)
      for (int j = j0; j < j1; j++) C[static_cast<long>(i) * ldc + j] += bias[j];
}

TL_CLONES void small_m(int M, int j0, int j1, int K, const float* a, int kpad, Q8Ptr B, int ldb, float* C, int ldc, bool accumulate,
                       const float* bias) {
  small_m_blocks(M, j0, j1, K, a, kpad, B, ldb, C, ldc, accumulate, bias);
}

TL_CLONES void small_m(int M, int j0, int j1, int K, const float* a, int kpad, Q4Ptr B, int ldb, float* C, int ldc, bool accumulate,
                       const float* bias) {
  small_m_blocks(M, j0, j1, K, a, kpad, B, ldb, C, ldc, accumulate, bias);
}

// Small M with op(B) = Bᵀ and B in Q8 or Q4 blocks: C[i, j] = (add ? C : 0) + Σ_k a[i][k]·B[j, k] (+ bias[j]). Where
// row j of B starts on a block boundary, each block's 32 codes are widened and scaled in registers (q·d, or (c - 8)·d
// for Q4, as the packed path widens them) and multiplied into 4 x 8 lane sums per row of a (AVX2); elsewhere, and
// without AVX2, value by value. Each element is summed the same way whichever columns are computed together.
TL_INLINE float block_value(const Q8Ptr& B, long f) { return static_cast<float>(B.q[f]) * B.d[f >> 5]; }
TL_INLINE float block_value(const Q4Ptr& B, long f) { return Q4Ptr::at(B.q, B.d, f); }

template <int MI, typename QP>
void gemv_blocks_scalar(int K, const float* a, int kpad, const QP& B, long ldb, int j0, int j1, float* C, int ldc, bool add,
                        const float* bias) {
  for (int j = j0; j < j1; j++) {
    float s[MI] = {};
    const QP row = B + static_cast<long>(j) * ldb;
    for (int k = 0; k < K; k++) {
      const float w = row[k];
      for (int i = 0; i < MI; i++) s[i] += a[static_cast<long>(i) * kpad + k] * w;
    }
    for (int i = 0; i < MI; i++) {
      float* c = C + static_cast<long>(i) * ldc + j;
      *c = (add ? *c : 0.0f) + s[i] + (bias ? bias[j] : 0.0f);
    }
  }
}

#if TL_X86
// A whole block's 32 codes as signed values, in four groups of 8 bytes (the low half of each): Q8's int8 values as
// stored; Q4's 16 bytes split into their low nibbles (values 0-15) and high ones (16-31), less 8.
TL_AVX2 inline void block_codes(const Q8Ptr& B, long f, __m128i g[4]) {
  for (int i = 0; i < 4; i++) g[i] = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(B.q + f + 8 * i));
}
TL_AVX2 inline void block_codes(const Q4Ptr& B, long f, __m128i g[4]) {
  const __m128i low = _mm_set1_epi8(15), eight = _mm_set1_epi8(8);
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(B.q + (f >> 5) * 16));
  const __m128i lo = _mm_sub_epi8(_mm_and_si128(bytes, low), eight);
  const __m128i hi = _mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(bytes, 4), low), eight);
  g[0] = lo, g[1] = _mm_srli_si128(lo, 8), g[2] = hi, g[3] = _mm_srli_si128(hi, 8);
}

template <int MI, typename QP>
TL_AVX2 void gemv_blocks_avx2(int K, const float* a, int kpad, const QP& B, long ldb, int j0, int j1, float* C, int ldc, bool add,
                              const float* bias) {
  for (int j = j0; j < j1; j++) {
    __m256 acc[MI][4];
    for (int i = 0; i < MI; i++)
      for (int g = 0; g < 4; g++) acc[i][g] = _mm256_setzero_ps();
    float tail[MI] = {};
    long f = B.off + static_cast<long>(j) * ldb;
    int k = 0;
    if ((f & 31) == 0) {
      for (; k + 32 <= K; k += 32, f += 32) {
        const __m256 d = _mm256_set1_ps(B.d[f >> 5]);
        __m128i parts[4];
        block_codes(B, f, parts);
        for (int g = 0; g < 4; g++) {
          const __m256 w = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(parts[g])), d);
          for (int i = 0; i < MI; i++)
            acc[i][g] = _mm256_fmadd_ps(_mm256_loadu_ps(a + static_cast<long>(i) * kpad + k + 8 * g), w, acc[i][g]);
        }
      }
    }
    for (; k < K; k++, f++) {
      const float w = block_value(B, f);
      for (int i = 0; i < MI; i++) tail[i] += a[static_cast<long>(i) * kpad + k] * w;
    }
    for (int i = 0; i < MI; i++) {
      alignas(32) float v[8];
      _mm256_store_ps(v, _mm256_add_ps(_mm256_add_ps(acc[i][0], acc[i][1]), _mm256_add_ps(acc[i][2], acc[i][3])));
      const float s = ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7])) + tail[i];
      float* c = C + static_cast<long>(i) * ldc + j;
      *c = (add ? *c : 0.0f) + s + (bias ? bias[j] : 0.0f);
    }
  }
}
#endif

template <typename QP>
void gemv_blocks(int M, int K, const float* a, int kpad, QP B, long ldb, int j0, int j1, float* C, int ldc, bool add, const float* bias) {
#if TL_X86
  // the AVX2 kernel wherever the chosen microkernel ISA is AVX2 or AVX-512 (set_gemm_isa("generic") tests the plain loop)
  if (std::strcmp(isa().name, "generic") != 0) {
    switch (M) {
      case 1: return gemv_blocks_avx2<1>(K, a, kpad, B, ldb, j0, j1, C, ldc, add, bias);
      case 2: return gemv_blocks_avx2<2>(K, a, kpad, B, ldb, j0, j1, C, ldc, add, bias);
      case 3: return gemv_blocks_avx2<3>(K, a, kpad, B, ldb, j0, j1, C, ldc, add, bias);
      default: return gemv_blocks_avx2<4>(K, a, kpad, B, ldb, j0, j1, C, ldc, add, bias);
    }
  }
#endif
  switch (M) {
    case 1: return gemv_blocks_scalar<1>(K, a, kpad, B, ldb, j0, j1, C, ldc, add, bias);
    case 2: return gemv_blocks_scalar<2>(K, a, kpad, B, ldb, j0, j1, C, ldc, add, bias);
    case 3: return gemv_blocks_scalar<3>(K, a, kpad, B, ldb, j0, j1, C, ldc, add, bias);
    default: return gemv_blocks_scalar<4>(K, a, kpad, B, ldb, j0, j1, C, ldc, add, bias);
  }
}

// The parallel packed product with each operand packed once: every A block (mc rows x K) and every B group
// (NG columns x K) is packed by one task into a buffer shared by the tasks that multiply them, instead of
// each (row block, column group) task packing its own copies (B was packed once per row block: a third of
// the time of a training-shaped product, more with op(B) = Bᵀ). B is packed in chunks of column groups
// (about B_CHUNK floats) so a wide B (the LM head) needs no buffer of its size. Same blocks, same kernel
// calls and the same order over K as the per-task path, so results are bit-identical to it.
constexpr long B_CHUNK = 4L << 20;

template <typename BP>
void shared_pack_gemm(const Isa& k, bool trans_a, bool trans_b, int M, int N, int K, const float* A, int lda, BP B, int ldb,
                      float* C, int ldc, bool accumulate, const float* bias, int mc, int m_blocks) {
  const int mr = k.mr, nr = k.nr;
  const int k_blocks = (K + KC - 1) / KC;
  const int n_groups = (N + NG - 1) / NG;
  const int groups_per_chunk = static_cast<int>(std::max<long>(1, B_CHUNK / (static_cast<long>(NG) * K)));
  // Row block mb's depth block starting at k0 sits at a_packed + mb·mc·K + k0·m_pad (m_pad ≤ mc); likewise
  // column group g (within the chunk) at b_packed + g·NG·K + k0·n_pad.
  thread_local std::vector<float> a_packed, b_packed;
  a_packed.resize(static_cast<size_t>(m_blocks) * mc * K);
  b_packed.resize(static_cast<size_t>(std::min(groups_per_chunk, n_groups)) * NG * K);
  float* const a_buf = a_packed.data();  // the pool's threads see their own thread_locals: pass pointers
  float* const b_buf = b_packed.data();
  auto rows_of = [&](int mb) { return std::min(mc, M - mb * mc); };
  auto pad = [](int x, int r) { return (x + r - 1) / r * r; };
  bool a_done = false;
  for (int g0 = 0; g0 < n_groups; g0 += groups_per_chunk) {
    const int g1 = std::min(n_groups, g0 + groups_per_chunk);
    const int a_tasks = a_done ? 0 : m_blocks * k_blocks;
    const int b_tasks = (g1 - g0) * k_blocks;
    parallel_for(a_tasks + b_tasks, [&](int t) {
      if (t < a_tasks) {
        int mb = t / k_blocks, k0 = (t % k_blocks) * KC, kc = std::min(KC, K - k0);
        int m = rows_of(mb);
        pack_a(trans_a, A, lda, mb * mc, m, k0, kc, mr, a_buf + static_cast<long>(mb) * mc * K + static_cast<long>(k0) * pad(m, mr));
      } else {
        t -= a_tasks;
        int g = t / k_blocks, k0 = (t % k_blocks) * KC, kc = std::min(KC, K - k0);
        int j0 = (g0 + g) * NG, n = std::min(NG, N - j0);
        pack_b(trans_b, B, ldb, k0, kc, j0, n, nr, b_buf + static_cast<long>(g) * NG * K + static_cast<long>(k0) * pad(n, nr));
      }
    });
    a_done = true;
    parallel_for(m_blocks * (g1 - g0), [&](int t) {
      int mb = t / (g1 - g0), g = t % (g1 - g0);
      int i0 = mb * mc, m = rows_of(mb), m_pad = pad(m, mr);
      int j0 = (g0 + g) * NG, n = std::min(NG, N - j0), n_pad = pad(n, nr);
      for (int k0 = 0; k0 < K; k0 += KC) {
        int kc = std::min(KC, K - k0);
        bool add = accumulate || k0 > 0;
        const float* bias_here = (k0 == 0 && bias) ? bias + j0 : nullptr;
        const float* ab = a_buf + static_cast<long>(mb) * mc * K + static_cast<long>(k0) * m_pad;
        const float* bb = b_buf + static_cast<long>(g) * NG * K + static_cast<long>(k0) * n_pad;
        for (int jp = 0; jp < n; jp += nr) {
          const float* bp = bb + static_cast<long>(jp) * kc;
          for (int ip = 0; ip < m; ip += mr) {
            const float* ap = ab + static_cast<long>(ip) * kc;
            float* c = C + static_cast<long>(i0 + ip) * ldc + j0 + jp;
            k.kernel(kc, ap, bp, c, ldc, std::min(mr, m - ip), std::min(nr, n - jp), add, bias_here ? bias_here + jp : nullptr);
          }
        }
      }
    });
  }
}

template <typename BP>
void gemm_impl(bool trans_a, bool trans_b, int M, int N, int K, const float* A, int lda, BP B, int ldb, float* C, int ldc,
               bool accumulate, const float* bias, bool parallel) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    for (int i = 0; i < M; i++)
      for (int j = 0; j < N; j++) C[static_cast<long>(i) * ldc + j] = (accumulate ? C[static_cast<long>(i) * ldc + j] : 0.0f) + (bias ? bias[j] : 0.0f);
    return;
  }
  const Isa k = isa();
  if (M <= 4 || (M <= GEMV_ROWS && trans_b)) {
    // Matrix-vector products (decoding): op(A)'s rows copied once, zero-padded to a multiple of 16;
    // no packing of B, which is read once from memory, by column blocks split across the threads. The kernels take
    // up to 4 rows at a time, each row summed alone (as a lone row is): more rows are taken 4 at a time over the
    // same column block, which the cache still holds (at most SMALL_M_COLS columns of B).
    const int kpad = (K + 15) & ~15;
    thread_local std::vector<float> a_rows;
    a_rows.assign(static_cast<size_t>(M) * kpad, 0.0f);
    for (int i = 0; i < M; i++)
      for (int kk = 0; kk < K; kk++)
        a_rows[static_cast<size_t>(i) * kpad + kk] = trans_a ? A[static_cast<long>(kk) * lda + i] : A[static_cast<long>(i) * lda + kk];
    const float* a = a_rows.data();
    int tasks = (N + SMALL_M_COLS - 1) / SMALL_M_COLS;
    auto run = [&](int t) {
      int j0 = t * SMALL_M_COLS, j1 = std::min(N, j0 + SMALL_M_COLS);
      for (int r = 0; r < M; r += 4) {
        const int m = std::min(4, M - r);
        const float* ar = a + static_cast<long>(r) * kpad;
        float* cr = C + static_cast<long>(r) * ldc;
        if (!trans_b) {
          small_m(m, j0, j1, K, ar, kpad, B, ldb, cr, ldc, accumulate, bias);
        } else if constexpr (std::is_same_v<BP, const float*>) {
          k.gemv(m, K, ar, kpad, B, ldb, j0, j1, cr, ldc, accumulate, bias);
        } else if constexpr (std::is_same_v<BP, const uint16_t*>) {
          k.gemv_bf16(m, K, ar, kpad, B, ldb, j0, j1, cr, ldc, accumulate, bias);
        } else if constexpr (std::is_same_v<BP, const f16_t*>) {
          k.gemv_f16(m, K, ar, kpad, B, ldb, j0, j1, cr, ldc, accumulate, bias);
        } else {
          gemv_blocks(m, K, ar, kpad, B, ldb, j0, j1, cr, ldc, accumulate, bias);
        }
      }
    };
    if (!parallel || static_cast<long>(N) * K < 65536) {
      for (int t = 0; t < tasks; t++) run(t);
    } else {
      parallel_for(tasks, run);
    }
    return;
  }
  const int mr = k.mr, nr = k.nr;
  // Rows per task: about MC, balanced across blocks, a multiple of MR.
  int m_blocks = (M + MC - 1) / MC;
  int mc = (M + m_blocks - 1) / m_blocks;
  mc = (mc + mr - 1) / mr * mr;
  m_blocks = (M + mc - 1) / mc;
  int n_groups = (N + NG - 1) / NG;
  int tasks = m_blocks * n_groups;
  if (parallel && static_cast<long>(M) * N * K >= 200000 && m_blocks > 1 && N > nr) {
    shared_pack_gemm(k, trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc, accumulate, bias, mc, m_blocks);
    return;
  }
  auto task = [&](int t) {
    thread_local std::vector<float> a_buf, b_buf;
    int mb = t / n_groups, ng = t % n_groups;
    int i0 = mb * mc, m = std::min(mc, M - i0);
    int j0 = ng * NG, n = std::min(NG, N - j0);
    int m_pad = (m + mr - 1) / mr * mr, n_pad = (n + nr - 1) / nr * nr;
    if (a_buf.size() < static_cast<size_t>(m_pad) * KC) a_buf.resize(static_cast<size_t>(m_pad) * KC);
    if (b_buf.size() < static_cast<size_t>(n_pad) * KC) b_buf.resize(static_cast<size_t>(n_pad) * KC);
    for (int k0 = 0; k0 < K; k0 += KC) {
      int kc = std::min(KC, K - k0);
      bool add = accumulate || k0 > 0;
      const float* bias_here = (k0 == 0 && bias) ? bias + j0 : nullptr;
      pack_b(trans_b, B, ldb, k0, kc, j0, n, nr, b_buf.data());
      pack_a(trans_a, A, lda, i0, m, k0, kc, mr, a_buf.data());
      for (int jp = 0; jp < n; jp += nr) {
        const float* bp = b_buf.data() + static_cast<long>(jp) * kc;
        for (int ip = 0; ip < m; ip += mr) {
          const float* ap = a_buf.data() + static_cast<long>(ip) * kc;
          float* c = C + static_cast<long>(i0 + ip) * ldc + j0 + jp;
          k.kernel(kc, ap, bp, c, ldc, std::min(mr, m - ip), std::min(nr, n - jp), add, bias_here ? bias_here + jp : nullptr);
        }
      }
    }
  };
  if (!parallel || static_cast<long>(M) * N * K < 200000) {
    for (int t = 0; t < tasks; t++) task(t);
  } else {
    parallel_for(tasks, task);
  }
}

}  // namespace

const char* gemm_isa() { return isa().name; }

bool set_gemm_isa(const char* name) {
  std::string want(name);
  Isa best = detect();
  if (want == "generic") {
    isa() = GENERIC;
    return true;
  }
#if TL_X86
  if (want == "avx2" && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c")) {
    isa() = AVX2;
    return true;
  }
  if (want == "avx512" && std::string(best.name) == "avx512") {
    isa() = best;
    return true;
  }
#endif
  if (want == "auto") {
    isa() = best;
    return true;
  }
  return false;
}

void sgemm(bool trans_a, bool trans_b, int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
           bool accumulate, const float* bias) {
  gemm_impl(trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc, accumulate, bias, true);
}

void sgemm_serial(bool trans_a, bool trans_b, int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
                  bool accumulate, const float* bias) {
  gemm_impl(trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc, accumulate, bias, false);
}

void sgemm_bf16b(bool trans_a, bool trans_b, int M, int N, int K, const float* A, int lda, const uint16_t* B, int ldb, float* C, int ldc,
                 bool accumulate, const float* bias) {
  gemm_impl(trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc, accumulate, bias, true);
}

void sgemm_f16b(bool trans_a, bool trans_b, int M, int N, int K, const float* A, int lda, const uint16_t* B, int ldb, float* C, int ldc,
                bool accumulate, const float* bias) {
  static_assert(sizeof(f16_t) == sizeof(uint16_t) && alignof(f16_t) == alignof(uint16_t));
  gemm_impl(trans_a, trans_b, M, N, K, A, lda, reinterpret_cast<const f16_t*>(B), ldb, C, ldc, accumulate, bias, true);
}

void sgemm_q8b(bool trans_a, bool trans_b, int M, int N, int K, const float* A, int lda, const int8_t* Bq, const float* Bd, int ldb,
               float* C, int ldc, bool accumulate, const float* bias) {
  gemm_impl(trans_a, trans_b, M, N, K, A, lda, Q8Ptr{Bq, Bd, 0}, ldb, C, ldc, accumulate, bias, true);
}

void sgemm_q4b(bool trans_a, bool trans_b, int M, int N, int K, const float* A, int lda, const uint8_t* Bq, const float* Bd, int ldb,
               float* C, int ldc, bool accumulate, const float* bias) {
  gemm_impl(trans_a, trans_b, M, N, K, A, lda, Q4Ptr{Bq, Bd, 0}, ldb, C, ldc, accumulate, bias, true);
}

}  // namespace tl
