// Half-precision → float32 conversion of raw little-endian halves (safetensors' BF16 and F16).
#include "common.h"
#include "kernels.h"
#include "ranges.h"

namespace tl {
namespace {

TL_CLONES void bf16_range(const uint16_t* src, float* dst, long i0, long i1) {
#pragma omp simd
  for (long i = i0; i < i1; i++) dst[i] = __builtin_bit_cast(float, static_cast<uint32_t>(src[i]) << 16);
}

TL_CLONES void f16_range(const uint16_t* src, float* dst, long i0, long i1) {
#pragma omp simd
  for (long i = i0; i < i1; i++) dst[i] = f16_bits_to_f32(src[i]);
}

}  // namespace

void bf16_to_f32(const uint16_t* src, float* dst, long n) {
  for_ranges(n, 1L << 16, [&](long a, long b) { bf16_range(src, dst, a, b); });
}

void f16_to_f32(const uint16_t* src, float* dst, long n) {
  for_ranges(n, 1L << 16, [&](long a, long b) { f16_range(src, dst, a, b); });
}

}  // namespace tl
