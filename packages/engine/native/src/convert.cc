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

// Exponent and mantissa move to float32's positions; multiplying by 2^112 rebiases the exponent and
// normalizes subnormal halves exactly. Infinities and NaNs (exponent 31) keep their mantissa bits.
TL_CLONES void f16_range(const uint16_t* src, float* dst, long i0, long i1) {
  const float rebias = __builtin_bit_cast(float, 0x77800000u);  // 2^112
#pragma omp simd
  for (long i = i0; i < i1; i++) {
    uint32_t h = src[i];
    uint32_t sign = (h & 0x8000u) << 16;
    uint32_t em = h & 0x7FFFu;
    uint32_t finite = __builtin_bit_cast(uint32_t, __builtin_bit_cast(float, em << 13) * rebias);
    uint32_t bits = em >= 0x7C00u ? ((em << 13) | 0x7F800000u) : finite;
    dst[i] = __builtin_bit_cast(float, bits | sign);
  }
}

}  // namespace

void bf16_to_f32(const uint16_t* src, float* dst, long n) {
  for_ranges(n, 1L << 16, [&](long a, long b) { bf16_range(src, dst, a, b); });
}

void f16_to_f32(const uint16_t* src, float* dst, long n) {
  for_ranges(n, 1L << 16, [&](long a, long b) { f16_range(src, dst, a, b); });
}

}  // namespace tl
