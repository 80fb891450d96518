// Helpers to split work into fixed-size pieces: the split depends only on the sizes, never on the
// thread count, so every output is computed the same way whichever thread runs it.
#pragma once
#include <algorithm>
#include <vector>

#include "threadpool.h"

namespace tl {

constexpr int ROW_CHUNK = 64;  // fixed row chunk for reductions over rows (thread-count independent)

// fn(a, b) over [0, n) in pieces of `grain` (one piece runs inline, more go to the pool).
template <typename F>
void for_ranges(long n, long grain, F&& fn) {
  int tasks = static_cast<int>((n + grain - 1) / grain);
  if (tasks <= 1) {
    if (n > 0) fn(0, n);
    return;
  }
  parallel_for(tasks, [&](int t) { fn(t * grain, std::min(n, (t + 1) * grain)); });
}

// out[j] += partial[c][j] for chunks c in order.
inline void reduce_chunks(const std::vector<float>& partial, int chunks, int d, float* out) {
  for (int c = 0; c < chunks; c++) {
    const float* p = partial.data() + static_cast<long>(c) * d;
    for (int j = 0; j < d; j++) out[j] += p[j];
  }
}

}  // namespace tl
