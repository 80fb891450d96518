// Rotary position embedding, Hugging Face's rotate_half convention: within each head, element i
// pairs with element i + rd/2 and both rotate by the angle of frequency i at the token's position, for
// i < rd/2; rd is the rotary dimension (hd, or less under partial rotary: Phi-3's partial_rotary_factor),
// and the head's elements from rd on pass through unchanged.
#include <algorithm>

#include "common.h"
#include "kernels.h"
#include "ranges.h"

namespace tl {
namespace {

TL_CLONES void rope_rows(float* x, long stride, int T, int n_heads, int hd, int rd, int pos_offset, const float* cos,
                         const float* sin, float sign, long r0, long r1) {
  const int half = rd / 2;
  for (long r = r0; r < r1; r++) {
    long pos = pos_offset + r % T;
    const float* c = cos + pos * half;
    const float* s = sin + pos * half;
    for (int h = 0; h < n_heads; h++) {
      float* lo = x + r * stride + static_cast<long>(h) * hd;
      float* hi = lo + half;
#pragma omp simd
      for (int i = 0; i < half; i++) {
        float a = lo[i], b = hi[i], sn = sign * s[i];
        lo[i] = a * c[i] - b * sn;
        hi[i] = b * c[i] + a * sn;
      }
    }
  }
}

}  // namespace

void rope(float* x, long stride, int B, int T, int n_heads, int hd, int rd, int pos_offset, const float* cos, const float* sin,
          bool inverse) {
  long rows = static_cast<long>(B) * T;
  long grain = std::max(1L, 16384L / std::max(1, n_heads * hd));
  float sign = inverse ? -1.0f : 1.0f;
  for_ranges(rows, grain, [&](long a, long b) { rope_rows(x, stride, T, n_heads, hd, rd, pos_offset, cos, sin, sign, a, b); });
}

}  // namespace tl
