#include <algorithm>
#include <cmath>

#include "common.h"
#include "kernels.h"
#include "threadpool.h"

namespace tl {
namespace {

TL_CLONES void xent_rows(float* logits, const int32_t* targets, const float* weights, float* losses, float* correct, int r0, int r1,
                         int V, bool grad) {
  for (int r = r0; r < r1; r++) {
    float* x = logits + static_cast<long>(r) * V;
    float w = weights[r];
    if (w == 0.0f) {
      losses[r] = 0.0f;
      correct[r] = 0.0f;
      if (grad)
        for (int j = 0; j < V; j++) x[j] = 0.0f;
      continue;
    }
    int t = targets[r];
    float mx = x[0];
    int arg = 0;
    for (int j = 1; j < V; j++) {
      if (x[j] > mx) {
        mx = x[j];
        arg = j;
      }
    }
    float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
    for (int j = 0; j < V; j++) sum += fast_exp(x[j] - mx);
    float lse = mx + std::log(sum);
    losses[r] = lse - x[t];
    correct[r] = arg == t ? 1.0f : 0.0f;
    if (grad) {
      float inv = w / sum;
#pragma omp simd
      for (int j = 0; j < V; j++) x[j] = fast_exp(x[j] - mx) * inv;
      x[t] -= w;
    }
  }
}

}  // namespace

void cross_entropy(float* logits, const int32_t* targets, const float* weights, float* losses, float* correct, int rows, int V,
                   bool grad) {
  int grain = std::max(1, 65536 / std::max(1, V));
  int tasks = (rows + grain - 1) / grain;
  parallel_for(tasks, [&](int t) { xent_rows(logits, targets, weights, losses, correct, t * grain, std::min(rows, (t + 1) * grain), V, grad); });
}

}  // namespace tl
