#include <algorithm>
#include <cmath>
#include <vector>

#include "common.h"
#include "kernels.h"
#include "threadpool.h"

namespace tl {
namespace {

constexpr long CHUNK = 16384;

TL_CLONES void adamw_range(float* p, const float* g, float* m, float* v, long i0, long i1, float lr, float b1, float b2, float eps,
                           float wd, float gscale, float bc1, float bc2) {
  float ib1 = 1.0f / bc1, ib2 = 1.0f / bc2;
#pragma omp simd
  for (long i = i0; i < i1; i++) {
    float gi = g[i] * gscale;
    float mi = b1 * m[i] + (1.0f - b1) * gi;
    float vi = b2 * v[i] + (1.0f - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] -= lr * (mi * ib1 / (std::sqrt(vi * ib2) + eps) + wd * p[i]);
  }
}

TL_CLONES double sumsq_range(const float* x, long i0, long i1) {
  double s = 0.0;
#pragma omp simd reduction(+ : s)
  for (long i = i0; i < i1; i++) s += static_cast<double>(x[i]) * x[i];
  return s;
}

}  // namespace

void adamw(float* p, const float* g, float* m, float* v, long n, float lr, float b1, float b2, float eps, float wd, float gscale,
           float bc1, float bc2) {
  int tasks = static_cast<int>((n + CHUNK - 1) / CHUNK);
  parallel_for(tasks, [&](int t) {
    adamw_range(p, g, m, v, t * CHUNK, std::min(n, (t + 1) * CHUNK), lr, b1, b2, eps, wd, gscale, bc1, bc2);
  });
}

double sumsq(const float* x, long n) {
  int tasks = static_cast<int>((n + CHUNK - 1) / CHUNK);
  std::vector<double> partial(tasks);
  parallel_for(tasks, [&](int t) { partial[t] = sumsq_range(x, t * CHUNK, std::min(n, (t + 1) * CHUNK)); });
  double s = 0.0;
  for (double p : partial) s += p;
  return s;
}

}  // namespace tl
