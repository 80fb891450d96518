#include "gemm.h"

#include <algorithm>
#include <string>
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

// The microkernel computes an MR x NR tile from packed panels: a[k*MR + i], b[k*NR + j].
// The tile is written to c (m x n valid entries) as acc (+ bias[j]) (+ c if add).
using Kernel = void (*)(int kc, const float* a, const float* b, float* c, int ldc, int m, int n, bool add, const float* bias);

struct Isa {
  const char* name;
  int mr;
  int nr;
  Kernel kernel;
};

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

Isa detect() {
#if TL_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return {"avx512", 12, 32, kernel_avx512};
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return {"avx2", 6, 16, kernel_avx2};
#endif
  return {"generic", 4, 16, kernel_generic};
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

// Packs depth [k0, k0+kc) x columns [j0, j0+n) of op(B) into NR-column panels (zero-padded).
void pack_b(bool trans, const float* B, int ldb, int k0, int kc, int j0, int n, int nr, float* out) {
  for (int jp = 0; jp < n; jp += nr) {
    int cols = std::min(nr, n - jp);
    float* panel = out + static_cast<long>(jp) * kc;
    if (trans) {
      for (int c = 0; c < cols; c++) {
        const float* src = B + static_cast<long>(j0 + jp + c) * ldb + k0;
        for (int k = 0; k < kc; k++) panel[k * nr + c] = src[k];
      }
      for (int c = cols; c < nr; c++)
        for (int k = 0; k < kc; k++) panel[k * nr + c] = 0.0f;
    } else {
      for (int k = 0; k < kc; k++) {
        const float* src = B + static_cast<long>(k0 + k) * ldb + j0 + jp;
        float* dst = panel + k * nr;
        int c = 0;
        for (; c < cols; c++) dst[c] = src[c];
        for (; c < nr; c++) dst[c] = 0.0f;
      }
    }
  }
}

TL_CLONES void small_m(bool trans_a, bool trans_b, int M, int j0, int j1, int K, const float* A, int lda, const float* B, int ldb,
                       float* C, int ldc, bool accumulate, const float* bias) {
  for (int i = 0; i < M; i++) {
    float* ci = C + static_cast<long>(i) * ldc;
    if (trans_b) {
      for (int j = j0; j < j1; j++) {
        const float* bj = B + static_cast<long>(j) * ldb;
        float s = 0.0f;
        if (trans_a) {
          for (int k = 0; k < K; k++) s += A[static_cast<long>(k) * lda + i] * bj[k];
        } else {
          const float* ai = A + static_cast<long>(i) * lda;
#pragma omp simd reduction(+ : s)
          for (int k = 0; k < K; k++) s += ai[k] * bj[k];
        }
        ci[j] = (accumulate ? ci[j] : 0.0f) + s + (bias ? bias[j] : 0.0f);
      }
    } else {
      if (!accumulate) {
        for (int j = j0; j < j1; j++) ci[j] = 0.0f;
      }
      for (int k = 0; k < K; k++) {
        float aik = trans_a ? A[static_cast<long>(k) * lda + i] : A[static_cast<long>(i) * lda + k];
        const float* bk = B + static_cast<long>(k) * ldb;
        for (int j = j0; j < j1; j++) ci[j] += aik * bk[j];
      }
      if (bias) {
        for (int j = j0; j < j1; j++) ci[j] += bias[j];
      }
    }
  }
}

}  // namespace

const char* gemm_isa() { return isa().name; }

bool set_gemm_isa(const char* name) {
  std::string want(name);
  Isa best = detect();
  if (want == "generic") {
    isa() = {"generic", 4, 16, kernel_generic};
    return true;
  }
#if TL_X86
  if (want == "avx2" && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    isa() = {"avx2", 6, 16, kernel_avx2};
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

namespace {
void sgemm_impl(bool trans_a, bool trans_b, int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
                bool accumulate, const float* bias, bool parallel);
}

void sgemm(bool trans_a, bool trans_b, int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
           bool accumulate, const float* bias) {
  sgemm_impl(trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc, accumulate, bias, true);
}

void sgemm_serial(bool trans_a, bool trans_b, int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
                  bool accumulate, const float* bias) {
  sgemm_impl(trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc, accumulate, bias, false);
}

namespace {
void sgemm_impl(bool trans_a, bool trans_b, int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
                bool accumulate, const float* bias, bool parallel) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    for (int i = 0; i < M; i++)
      for (int j = 0; j < N; j++) C[static_cast<long>(i) * ldc + j] = (accumulate ? C[static_cast<long>(i) * ldc + j] : 0.0f) + (bias ? bias[j] : 0.0f);
    return;
  }
  if (M <= 4) {
    // Matrix-vector products (incremental decoding): split columns, no packing.
    constexpr int CHUNK = 256;
    int tasks = (N + CHUNK - 1) / CHUNK;
    auto run = [&](int t) {
      small_m(trans_a, trans_b, M, t * CHUNK, std::min(N, (t + 1) * CHUNK), K, A, lda, B, ldb, C, ldc, accumulate, bias);
    };
    if (!parallel || static_cast<long>(N) * K < 65536) {
      for (int t = 0; t < tasks; t++) run(t);
    } else {
      parallel_for(tasks, run);
    }
    return;
  }
  const Isa k = isa();
  const int mr = k.mr, nr = k.nr;
  // Rows per task: about MC, balanced across blocks, a multiple of MR.
  int m_blocks = (M + MC - 1) / MC;
  int mc = (M + m_blocks - 1) / m_blocks;
  mc = (mc + mr - 1) / mr * mr;
  m_blocks = (M + mc - 1) / mc;
  int n_groups = (N + NG - 1) / NG;
  int tasks = m_blocks * n_groups;
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

}  // namespace tl
