#include <algorithm>
#include <cmath>
#include <vector>

#include "common.h"
#include "kernels.h"
#include "ranges.h"
#include "threadpool.h"

namespace tl {
namespace {

TL_CLONES void ln_rows(const float* x, const float* gamma, const float* beta, float* out, float* mean, float* rstd, int r0, int r1,
                       int d) {
  for (int r = r0; r < r1; r++) {
    const float* xr = x + static_cast<long>(r) * d;
    float* o = out + static_cast<long>(r) * d;
    float s = 0.0f;
#pragma omp simd reduction(+ : s)
    for (int j = 0; j < d; j++) s += xr[j];
    float mu = s / static_cast<float>(d);
    float ss = 0.0f;
#pragma omp simd reduction(+ : ss)
    for (int j = 0; j < d; j++) ss += (xr[j] - mu) * (xr[j] - mu);
    float rs = 1.0f / std::sqrt(ss / static_cast<float>(d) + 1e-5f);
    mean[r] = mu;
    rstd[r] = rs;
#pragma omp simd
    for (int j = 0; j < d; j++) o[j] = (xr[j] - mu) * rs * gamma[j] + beta[j];
  }
}

TL_CLONES void ln_bwd_rows(const float* dout, const float* x, const float* gamma, const float* mean, const float* rstd, float* dx,
                           float* pg, float* pb, int r0, int r1, int d, bool acc) {
  for (int j = 0; j < d; j++) pg[j] = pb[j] = 0.0f;
  for (int r = r0; r < r1; r++) {
    const float* dr = dout + static_cast<long>(r) * d;
    const float* xr = x + static_cast<long>(r) * d;
    float* dxr = dx + static_cast<long>(r) * d;
    float mu = mean[r], rs = rstd[r];
    float s1 = 0.0f, s2 = 0.0f;
#pragma omp simd reduction(+ : s1, s2)
    for (int j = 0; j < d; j++) {
      float xh = (xr[j] - mu) * rs;
      float dy = dr[j] * gamma[j];
      s1 += dy;
      s2 += dy * xh;
      pg[j] += dr[j] * xh;
      pb[j] += dr[j];
    }
    float inv_d = 1.0f / static_cast<float>(d);
    s1 *= inv_d;
    s2 *= inv_d;
#pragma omp simd
    for (int j = 0; j < d; j++) {
      float xh = (xr[j] - mu) * rs;
      float v = (dr[j] * gamma[j] - s1 - xh * s2) * rs;
      dxr[j] = acc ? dxr[j] + v : v;
    }
  }
}

TL_CLONES void gelu_fwd_range(const float* x, float* out, long i0, long i1) {
  const float c = 0.7978845608028654f;
#pragma omp simd
  for (long i = i0; i < i1; i++) {
    float v = x[i];
    float t = fast_tanh(c * (v + 0.044715f * v * v * v));
    out[i] = 0.5f * v * (1.0f + t);
  }
}

TL_CLONES void gelu_bwd_range(const float* x, const float* dout, float* dx, long i0, long i1) {
  const float c = 0.7978845608028654f;
#pragma omp simd
  for (long i = i0; i < i1; i++) {
    float v = x[i];
    float t = fast_tanh(c * (v + 0.044715f * v * v * v));
    float dt = (1.0f - t * t) * c * (1.0f + 3.0f * 0.044715f * v * v);
    dx[i] = dout[i] * (0.5f * (1.0f + t) + 0.5f * v * dt);
  }
}

TL_CLONES void colsum_rows(const float* x, int r0, int r1, int cols, float* out) {
  for (int j = 0; j < cols; j++) out[j] = 0.0f;
  for (int r = r0; r < r1; r++) {
    const float* xr = x + static_cast<long>(r) * cols;
#pragma omp simd
    for (int j = 0; j < cols; j++) out[j] += xr[j];
  }
}

// murmur3's finalizer over (seed, index): keep iff the hash is at least p · 2^32.
TL_CLONES void dropout_range(const float* x, const float* base, float* out, long i0, long i1, uint32_t threshold, float scale,
                             uint32_t seed) {
#pragma omp simd
  for (long i = i0; i < i1; i++) {
    uint32_t h = static_cast<uint32_t>(i) * 0x9E3779B1u + seed;
    h ^= h >> 16;
    h *= 0x85EBCA6Bu;
    h ^= h >> 13;
    h *= 0xC2B2AE35u;
    h ^= h >> 16;
    float v = h >= threshold ? x[i] * scale : 0.0f;
    out[i] = base ? base[i] + v : v;
  }
}

}  // namespace

void dropout(const float* x, const float* base, float* out, long n, double p, uint32_t seed) {
  uint32_t threshold = static_cast<uint32_t>(std::floor(p * 4294967296.0));
  float scale = static_cast<float>(1.0 / (1.0 - p));
  for_ranges(n, 16384, [&](long a, long b) { dropout_range(x, base, out, a, b, threshold, scale, seed); });
}

void layernorm_fwd(const float* x, const float* gamma, const float* beta, float* out, float* mean, float* rstd, int rows, int d) {
  long grain = std::max(1L, 16384L / std::max(1, d));
  for_ranges(rows, grain, [&](long a, long b) { ln_rows(x, gamma, beta, out, mean, rstd, static_cast<int>(a), static_cast<int>(b), d); });
}

void layernorm_bwd(const float* dout, const float* x, const float* gamma, const float* mean, const float* rstd, float* dx,
                   float* dgamma, float* dbeta, int rows, int d, bool accumulate_dx) {
  int chunks = (rows + ROW_CHUNK - 1) / ROW_CHUNK;
  std::vector<float> pg(static_cast<size_t>(chunks) * d), pb(static_cast<size_t>(chunks) * d);
  auto run = [&](int c) {
    int r0 = c * ROW_CHUNK, r1 = std::min(rows, r0 + ROW_CHUNK);
    ln_bwd_rows(dout, x, gamma, mean, rstd, dx, pg.data() + static_cast<long>(c) * d, pb.data() + static_cast<long>(c) * d, r0, r1, d,
                accumulate_dx);
  };
  parallel_for(chunks, run);
  reduce_chunks(pg, chunks, d, dgamma);
  reduce_chunks(pb, chunks, d, dbeta);
}

void gelu_fwd(const float* x, float* out, long n) {
  for_ranges(n, 16384, [&](long a, long b) { gelu_fwd_range(x, out, a, b); });
}

void gelu_bwd(const float* x, const float* dout, float* dx, long n) {
  for_ranges(n, 16384, [&](long a, long b) { gelu_bwd_range(x, dout, dx, a, b); });
}

void colsum(const float* x, int rows, int cols, float* out, bool accumulate) {
  int chunks = (rows + ROW_CHUNK - 1) / ROW_CHUNK;
  std::vector<float> partial(static_cast<size_t>(chunks) * cols);
  parallel_for(chunks, [&](int c) {
    int r0 = c * ROW_CHUNK, r1 = std::min(rows, r0 + ROW_CHUNK);
    colsum_rows(x, r0, r1, cols, partial.data() + static_cast<long>(c) * cols);
  });
  if (!accumulate)
    for (int j = 0; j < cols; j++) out[j] = 0.0f;
  reduce_chunks(partial, chunks, cols, out);
}

void embed_fwd(const int32_t* ids, const float* tok, const float* pos, float* out, int B, int T, int d) {
  for_ranges(static_cast<long>(B) * T, 256, [&](long a, long b) {
    for (long i = a; i < b; i++) {
      const float* tr = tok + static_cast<long>(ids[i]) * d;
      const float* pr = pos + static_cast<long>(i % T) * d;
      float* o = out + i * d;
      for (int j = 0; j < d; j++) o[j] = tr[j] + pr[j];
    }
  });
}

void embed_bwd(const int32_t* ids, const float* dout, float* dtok, float* dpos, int B, int T, int d) {
  constexpr int COLS = 16;  // each task owns a fixed column range: no two tasks touch the same element
  int tasks = (d + COLS - 1) / COLS;
  parallel_for(tasks, [&](int t) {
    int j0 = t * COLS, j1 = std::min(d, j0 + COLS);
    long n = static_cast<long>(B) * T;
    for (long i = 0; i < n; i++) {
      const float* g = dout + i * d;
      float* tr = dtok + static_cast<long>(ids[i]) * d;
      float* pr = dpos + static_cast<long>(i % T) * d;
      for (int j = j0; j < j1; j++) {
        tr[j] += g[j];
        pr[j] += g[j];
      }
    }
  });
}

}  // namespace tl
