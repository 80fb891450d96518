// Shared helpers for the kernels: portable multiversioning attributes and a vectorizable exp.
#pragma once
#include <cstdint>
#include <cstring>

// Element-wise loops are compiled several times (AVX-512, AVX2, baseline) and picked at load time
// by the dynamic linker (GCC/Clang target_clones on x86-64). Elsewhere (arm64, macOS) they are
// compiled once for the baseline ISA, which the compiler auto-vectorizes (NEON on arm64).
#if defined(__x86_64__) && defined(__linux__) && (defined(__GNUC__) || defined(__clang__))
#define TL_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#define TL_X86 1
#else
#define TL_CLONES
#define TL_X86 0
#endif

#define TL_INLINE inline __attribute__((always_inline))

namespace tl {

// IEEE half (safetensors' F16, raw little-endian bits) → float32, exactly: exponent and mantissa move to float32's
// positions and multiplying by 2^112 rebiases the exponent and normalizes subnormal halves; infinities and NaNs
// (exponent 31) keep their mantissa bits. Branch-free, so loops calling it vectorize.
TL_INLINE float f16_bits_to_f32(uint32_t h) {
  const float rebias = __builtin_bit_cast(float, 0x77800000u);  // 2^112
  uint32_t sign = (h & 0x8000u) << 16;
  uint32_t em = h & 0x7FFFu;
  uint32_t finite = __builtin_bit_cast(uint32_t, __builtin_bit_cast(float, em << 13) * rebias);
  uint32_t bits = em >= 0x7C00u ? ((em << 13) | 0x7F800000u) : finite;
  return __builtin_bit_cast(float, bits | sign);
}

// exp(x) to ~2 ulp on [-87, 88], branch-free and call-free so that loops calling it vectorize.
TL_INLINE float fast_exp(float x) {
  x = x < -87.0f ? -87.0f : x;
  x = x > 88.0f ? 88.0f : x;
  float t = x * 1.44269504088896341f;
  float n = (t + 12582912.0f) - 12582912.0f;  // round to nearest (1.5 * 2^23 trick)
  float r = x - n * 0.693145751953125f;
  r = r - n * 1.428606765330187045e-06f;
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  return p * __builtin_bit_cast(float, bits);
}

// tanh via exp; exact enough for GELU (|error| < 1e-6).
TL_INLINE float fast_tanh(float x) {
  float e = fast_exp(2.0f * x);
  return 1.0f - 2.0f / (e + 1.0f);
}

}  // namespace tl
