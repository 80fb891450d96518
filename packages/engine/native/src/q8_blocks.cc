#include "q8_blocks.h"

#include <algorithm>
#include <cmath>

#include "threadpool.h"

namespace tl {

namespace {

constexpr long BLOCK = 32;
constexpr long BLOCKS_PER_TASK = 2048;

void quantize_block(const float* x, long count, int8_t* q, float* d) {
  double amax = 0.0;
  for (long i = 0; i < count; i++) amax = std::max(amax, std::fabs(static_cast<double>(x[i])));
  const float scale = static_cast<float>(amax / 127.0);
  *d = scale;
  if (scale == 0.0f) {
    for (long i = 0; i < count; i++) q[i] = 0;
    return;
  }
  const double inv = 1.0 / static_cast<double>(scale);
  for (long i = 0; i < count; i++) {
    const double v = static_cast<double>(x[i]) * inv;
    double r = std::floor(v);
    if (v - r >= 0.5) r += 1.0;  // Math.round: the nearest integer, ties towards +infinity
    q[i] = static_cast<int8_t>(std::min(127.0, std::max(-127.0, r)));
  }
}

}  // namespace

void q8_quantize(const float* x, long n, int8_t* q, float* d) {
  const long blocks = (n + BLOCK - 1) / BLOCK;
  const long tasks = (blocks + BLOCKS_PER_TASK - 1) / BLOCKS_PER_TASK;
  parallel_for(static_cast<int>(tasks), [&](int t) {
    const long b0 = t * BLOCKS_PER_TASK, b1 = std::min(blocks, b0 + BLOCKS_PER_TASK);
    for (long b = b0; b < b1; b++) {
      const long start = b * BLOCK;
      quantize_block(x + start, std::min(BLOCK, n - start), q + start, d + b);
    }
  });
}

}  // namespace tl
