// RMSNorm (Llama, Qwen, Mistral; Qwen3's per-head q/k norm): out = gamma * (x * rstd),
// rstd = 1 / sqrt(mean(x²) + eps), in float32 as Hugging Face computes it.
#include <algorithm>
#include <cmath>
#include <vector>

#include "common.h"
#include "kernels.h"
#include "ranges.h"

namespace tl {
namespace {

TL_CLONES void rms_rows(const float* x, const float* gamma, float* out, float* rstd, int r0, int r1, int d, float eps) {
  for (int r = r0; r < r1; r++) {
    const float* xr = x + static_cast<long>(r) * d;
    float* o = out + static_cast<long>(r) * d;
    float ss = 0.0f;
#pragma omp simd reduction(+ : ss)
    for (int j = 0; j < d; j++) ss += xr[j] * xr[j];
    float rs = 1.0f / std::sqrt(ss / static_cast<float>(d) + eps);
    rstd[r] = rs;
#pragma omp simd
    for (int j = 0; j < d; j++) o[j] = gamma[j] * (xr[j] * rs);
  }
}

// dx = rstd * (dout∘gamma − x̂ · mean(dout∘gamma∘x̂)), x̂ = x * rstd; pg (if not null) += dout∘x̂ over the rows.
TL_CLONES void rms_bwd_rows(const float* dout, const float* x, const float* gamma, const float* rstd, float* dx, float* pg, int r0,
                            int r1, int d, bool acc) {
  if (pg)
    for (int j = 0; j < d; j++) pg[j] = 0.0f;
  const float inv_d = 1.0f / static_cast<float>(d);
  for (int r = r0; r < r1; r++) {
    const float* dr = dout + static_cast<long>(r) * d;
    const float* xr = x + static_cast<long>(r) * d;
    float* dxr = dx + static_cast<long>(r) * d;
    float rs = rstd[r];
    float s = 0.0f;
#pragma omp simd reduction(+ : s)
    for (int j = 0; j < d; j++) s += dr[j] * gamma[j] * (xr[j] * rs);
    if (pg) {
#pragma omp simd
      for (int j = 0; j < d; j++) pg[j] += dr[j] * (xr[j] * rs);
    }
    s *= inv_d;
#pragma omp simd
    for (int j = 0; j < d; j++) {
      float v = (dr[j] * gamma[j] - (xr[j] * rs) * s) * rs;
      dxr[j] = acc ? dxr[j] + v : v;
    }
  }
}

}  // namespace

void rmsnorm_fwd(const float* x, const float* gamma, float* out, float* rstd, int rows, int d, float eps) {
  long grain = std::max(1L, 16384L / std::max(1, d));
  for_ranges(rows, grain, [&](long a, long b) { rms_rows(x, gamma, out, rstd, static_cast<int>(a), static_cast<int>(b), d, eps); });
}

void rmsnorm_bwd(const float* dout, const float* x, const float* gamma, const float* rstd, float* dx, float* dgamma, int rows, int d,
                 bool accumulate_dx) {
  int chunks = (rows + ROW_CHUNK - 1) / ROW_CHUNK;
  std::vector<float> pg(dgamma ? static_cast<size_t>(chunks) * d : 0);
  parallel_for(chunks, [&](int c) {
    int r0 = c * ROW_CHUNK, r1 = std::min(rows, r0 + ROW_CHUNK);
    rms_bwd_rows(dout, x, gamma, rstd, dx, dgamma ? pg.data() + static_cast<long>(c) * d : nullptr, r0, r1, d, accumulate_dx);
  });
  if (dgamma) reduce_chunks(pg, chunks, d, dgamma);
}

}  // namespace tl
