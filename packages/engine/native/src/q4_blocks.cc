#include "q4_blocks.h"

#include <algorithm>
#include <cmath>

#include "threadpool.h"

namespace tl {

namespace {

constexpr long BLOCK = 32;
constexpr long BLOCKS_PER_TASK = 2048;

int code(double v) {
  double r = std::floor(v);
  if (v - r >= 0.5) r += 1.0;  // Math.round: the nearest integer, ties towards +infinity
  return static_cast<int>(std::min(15.0, std::max(0.0, r + 8.0)));
}

void quantize_block(const float* x, long count, uint8_t* q, float* d) {
  double amax = 0.0, m = 0.0;
  for (long i = 0; i < count; i++) {
    const double v = static_cast<double>(x[i]);
    if (std::fabs(v) > amax) amax = std::fabs(v), m = v;
  }
  const float scale = static_cast<float>(m / -8.0);
  *d = scale;
  const double inv = scale == 0.0f ? 0.0 : 1.0 / static_cast<double>(scale);
  for (long j = 0; j < BLOCK / 2; j++) {
    const double lo = j < count ? static_cast<double>(x[j]) * inv : 0.0;
    const double hi = j + 16 < count ? static_cast<double>(x[j + 16]) * inv : 0.0;
    q[j] = static_cast<uint8_t>(code(lo) | (code(hi) << 4));
  }
}

}  // namespace

void q4_quantize(const float* x, long n, uint8_t* q, float* d) {
  const long blocks = (n + BLOCK - 1) / BLOCK;
  const long tasks = (blocks + BLOCKS_PER_TASK - 1) / BLOCKS_PER_TASK;
  parallel_for(static_cast<int>(tasks), [&](int t) {
    const long b0 = t * BLOCKS_PER_TASK, b1 = std::min(blocks, b0 + BLOCKS_PER_TASK);
    for (long b = b0; b < b1; b++) {
      const long start = b * BLOCK;
      quantize_block(x + start, std::min(BLOCK, n - start), q + b * (BLOCK / 2), d + b);
    }
  });
}

}  // namespace tl
