// SwiGLU gating of the Llama-family MLP: out = silu(gate) * up, silu(g) = g * sigmoid(g).
#include "common.h"
#include "kernels.h"
#include "ranges.h"

namespace tl {
namespace {

TL_INLINE float sigmoid(float g) { return 1.0f / (1.0f + fast_exp(-g)); }

TL_CLONES void swiglu_fwd_range(const float* gate, const float* up, float* out, long i0, long i1) {
#pragma omp simd
  for (long i = i0; i < i1; i++) {
    float g = gate[i];
    out[i] = (g * sigmoid(g)) * up[i];
  }
}

TL_CLONES void swiglu_bwd_range(const float* gate, const float* up, const float* dout, float* dgate, float* dup, long i0, long i1) {
#pragma omp simd
  for (long i = i0; i < i1; i++) {
    float g = gate[i], u = up[i], d = dout[i];
    float s = sigmoid(g);
    float dg = d * u * (s * (1.0f + g * (1.0f - s)));
    float du = d * (g * s);
    dgate[i] = dg;
    dup[i] = du;
  }
}

}  // namespace

void swiglu_fwd(const float* gate, const float* up, float* out, long n) {
  for_ranges(n, 16384, [&](long a, long b) { swiglu_fwd_range(gate, up, out, a, b); });
}

void swiglu_bwd(const float* gate, const float* up, const float* dout, float* dgate, float* dup, long n) {
  for_ranges(n, 16384, [&](long a, long b) { swiglu_bwd_range(gate, up, dout, dgate, dup, a, b); });
}

}  // namespace tl
