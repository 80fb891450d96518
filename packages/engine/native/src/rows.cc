// Row gather (embedding lookup) and its deterministic scatter-add (the embedding's gradient).
#include <algorithm>
#include <cstring>

#include "kernels.h"
#include "ranges.h"

namespace tl {

void gather_rows(const int32_t* ids, const float* table, float* out, long n, int d) {
  for_ranges(n, std::max(1L, 16384L / std::max(1, d)), [&](long a, long b) {
    for (long i = a; i < b; i++) std::memcpy(out + i * d, table + static_cast<long>(ids[i]) * d, sizeof(float) * d);
  });
}

void scatter_add_rows(const int32_t* ids, const float* dout, float* dtable, long n, int d) {
  constexpr int COLS = 16;  // each task owns a fixed column range and adds rows i = 0..n-1 in order
  int tasks = (d + COLS - 1) / COLS;
  auto run = [&](int t) {
    int j0 = t * COLS, j1 = std::min(d, j0 + COLS);
    for (long i = 0; i < n; i++) {
      const float* g = dout + i * d;
      float* row = dtable + static_cast<long>(ids[i]) * d;
      for (int j = j0; j < j1; j++) row[j] += g[j];
    }
  };
  if (n * d < 16384) {
    for (int t = 0; t < tasks; t++) run(t);
  } else {
    parallel_for(tasks, run);
  }
}

}  // namespace tl
