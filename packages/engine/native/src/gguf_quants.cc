// GGUF block encoders, byte for byte the TypeScript ones (src/hf/gguf/k-quants.ts, q5-0.ts, q8-0.ts). Those compute
// in JavaScript numbers, so this file computes in double with the same operations in the same order, rounds to
// float32 exactly where they call Math.fround, and mirrors JavaScript where C differs:
// - Math.round rounds halves up (js_round), C's round halves away from zero (what the TypeScript `roundf` is);
// - Math.min / Math.max return NaN when an argument is NaN (js_clamp), and a NaN or ±Infinity stored into a
//   Uint8Array / Int8Array becomes 0 (js_int). NaN appears only on degenerate scales (a float16 scale that overflowed
//   to infinity times 0), where both sides then write 0.
// Floating-point contraction (a·b + c fused into one rounding) would change results, so it is off for this file.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include "gguf_quants.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "ranges.h"

namespace tl {
namespace {

constexpr int QK_K = 256;
constexpr int Q4_K_BYTES = 144;
constexpr int Q6_K_BYTES = 210;
constexpr int Q5_0_VALUES = 32;
constexpr int Q5_0_BYTES = 22;
constexpr int Q8_0_VALUES = 32;
constexpr int Q8_0_BYTES = 34;
constexpr double INF = std::numeric_limits<double>::infinity();

// trunc and floor without a call into libm (x86-64's baseline has no instruction for them): below 2^52 in
// magnitude a conversion to int64 truncates exactly; larger values are integers already, and NaN stays NaN.
constexpr double TWO_52 = 4503599627370496.0;
inline double fast_trunc(double x) { return std::fabs(x) < TWO_52 ? static_cast<double>(static_cast<int64_t>(x)) : x; }
inline double fast_floor(double x) {
  double t = fast_trunc(x);
  return t > x ? t - 1.0 : t;
}

// JavaScript's Math.round: the nearest integer, halves towards +∞ (x − floor(x) is exact).
inline double js_round(double x) {
  double f = fast_floor(x);
  return x - f >= 0.5 ? f + 1.0 : f;
}

// C's roundf on a double: halves away from zero (x − trunc(x) is exact).
inline double c_round(double x) {
  double t = fast_trunc(x);
  return std::fabs(x - t) >= 0.5 ? t + (x < 0 ? -1.0 : 1.0) : t;
}

// Math.max(lo, Math.min(v, hi)).
inline double js_clamp(double v, double lo, double hi) {
  if (std::isnan(v)) return v;
  return std::max(lo, std::min(v, hi));
}

// JavaScript's ToInt32 (what `|`, `&` and stores into integer typed arrays apply): NaN and ±∞ give 0, others wrap.
inline int32_t js_int(double v) {
  if (v >= -2147483648.0 && v <= 2147483647.0) return static_cast<int32_t>(v);
  if (!std::isfinite(v)) return 0;
  double m = std::fmod(std::trunc(v), 4294967296.0);
  if (m < 0) m += 4294967296.0;
  return static_cast<int32_t>(static_cast<uint32_t>(m));
}

inline double fround(double x) { return static_cast<double>(static_cast<float>(x)); }

// src/hf/halves.ts floatToF16: the value rounded to float32, then to float16 (nearest, ties to even).
uint16_t float_to_f16(double x) {
  float f = static_cast<float>(x);
  uint32_t u;
  std::memcpy(&u, &f, 4);
  uint32_t sign = (u >> 16) & 0x8000u;
  int exp = static_cast<int>((u >> 23) & 0xff);
  uint32_t mant = u & 0x7fffffu;
  if (exp == 0xff) return static_cast<uint16_t>(sign | 0x7c00u | (mant != 0 ? 0x200u | (mant >> 13) : 0u));
  int e = exp - 127 + 15;
  if (e >= 0x1f) return static_cast<uint16_t>(sign | 0x7c00u);
  if (e <= 0) {
    if (e < -10) return static_cast<uint16_t>(sign);
    mant |= 0x800000u;
    int shift = 14 - e;
    uint32_t half = mant >> shift;
    uint32_t rest = mant & ((1u << shift) - 1);
    uint32_t midway = 1u << (shift - 1);
    if (rest > midway || (rest == midway && (half & 1u) == 1u)) half++;
    return static_cast<uint16_t>(sign | half);
  }
  uint32_t h = (static_cast<uint32_t>(e) << 10) | (mant >> 13);
  uint32_t rest = mant & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1u) == 1u)) h++;
  return static_cast<uint16_t>(sign | h);
}

// src/hf/halves.ts halfToFloat (exact).
double f16_value(uint16_t h) {
  double s = (h & 0x8000u) ? -1.0 : 1.0;
  int e = (h >> 10) & 0x1f;
  int f = h & 0x3ff;
  if (e == 0) return s * std::ldexp(static_cast<double>(f), -24);
  if (e == 31) return f ? std::numeric_limits<double>::quiet_NaN() : s * INF;
  return s * std::ldexp(static_cast<double>(1024 + f), e - 25);
}

inline void put_u16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v & 0xff);
  p[1] = static_cast<uint8_t>(v >> 8);
}

// k-quants.ts fitAffine: y = s·q + b, q in 0…15, b ≤ 0.
void fit_affine(const float* x, int n, double& out_s, double& out_b) {
  double lo = 0;
  double hi = -INF;
  for (int i = 0; i < n; i++) {
    double v = x[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  double s = (hi - lo) / 15;
  double b = lo;
  if (!(s > 0)) {
    out_s = 0;
    out_b = lo;
    return;
  }
  double best = INF;
  out_s = s;
  out_b = b;
  for (int round = 0; round < 4; round++) {
    double sq = 0, sqq = 0, sx = 0, sqx = 0, err = 0;
    for (int i = 0; i < n; i++) {
      double v = x[i];
      double q = js_clamp(js_round((v - b) / s), 0, 15);
      double e = s * q + b - v;
      err += e * e;
      sq += q;
      sqq += q * q;
      sx += v;
      sqx += q * v;
    }
    if (err < best) {
      best = err;
      out_s = s;
      out_b = b;
    }
    double det = n * sqq - sq * sq;
    if (det <= 0) return;
    double ns = (n * sqx - sq * sx) / det;
    double nb = (sqq * sx - sq * sqx) / det;
    if (nb > 0) {
      nb = 0;
      ns = sqx / sqq;
    }
    if (!(ns > 0)) return;
    s = ns;
    b = nb;
  }
}

void q4_k_block(const float* x, uint8_t* out) {
  double scales[8], mins[8];
  double max_scale = 0, max_min = 0;
  for (int j = 0; j < 8; j++) {
    double s, b;
    fit_affine(x + 32 * j, 32, s, b);
    scales[j] = s;
    mins[j] = -b;
    max_scale = std::max(max_scale, s);
    max_min = std::max(max_min, -b);
  }
  uint16_t d_bits = float_to_f16(max_scale / 63), dmin_bits = float_to_f16(max_min / 63);
  double d = f16_value(d_bits), dmin = f16_value(dmin_bits);
  uint8_t sc[8], m[8];
  for (int j = 0; j < 8; j++) {
    sc[j] = static_cast<uint8_t>(d > 0 ? js_int(js_clamp(c_round(scales[j] / d), 0, 63)) : 0);
    m[j] = static_cast<uint8_t>(dmin > 0 ? js_int(js_clamp(c_round(mins[j] / dmin), 0, 63)) : 0);
  }
  put_u16(out, d_bits);
  put_u16(out + 2, dmin_bits);
  for (int i = 0; i < 4; i++) {
    out[4 + i] = static_cast<uint8_t>(sc[i] | ((sc[i + 4] >> 4) << 6));
    out[8 + i] = static_cast<uint8_t>(m[i] | ((m[i + 4] >> 4) << 6));
    out[12 + i] = static_cast<uint8_t>((sc[i + 4] & 15) | ((m[i + 4] & 15) << 4));
  }
  uint8_t q[QK_K];
  for (int j = 0; j < 8; j++) {
    double step = fround(d * sc[j]);
    double offset = fround(dmin * m[j]);
    for (int i = 0; i < 32; i++) {
      double v = x[32 * j + i];
      q[32 * j + i] = static_cast<uint8_t>(step > 0 ? js_int(js_clamp(c_round((v + offset) / step), 0, 15)) : 0);
    }
  }
  for (int c = 0; c < 4; c++)
    for (int l = 0; l < 32; l++) out[16 + 32 * c + l] = static_cast<uint8_t>(q[64 * c + l] | (q[64 * c + 32 + l] << 4));
}

// k-quants.ts fitSymmetric: y = s·q, q in −32…31.
double fit_symmetric(const float* x, int n) {
  double vmax = 0;
  for (int i = 0; i < n; i++) {
    double v = x[i];
    if (std::fabs(v) > std::fabs(vmax)) vmax = v;
  }
  if (vmax == 0) return 0;
  double best_scale = 0;
  double best = INF;
  const double starts[2] = {-vmax / 32, vmax / 31};
  for (double start : starts) {
    double s = start;
    for (int round = 0; round < 4; round++) {
      double sqq = 0, sqx = 0, err = 0;
      for (int i = 0; i < n; i++) {
        double v = x[i];
        double q = js_clamp(js_round(v / s), -32, 31);
        double e = s * q - v;
        err += e * e;
        sqq += q * q;
        sqx += q * v;
      }
      if (err < best) {
        best = err;
        best_scale = s;
      }
      if (sqq == 0 || round == 3) break;
      s = sqx / sqq;
      if (s == 0) break;
    }
  }
  return best_scale;
}

void q6_k_block(const float* x, uint8_t* out) {
  double scales[16];
  double max_abs = 0;
  for (int i = 0; i < 16; i++) {
    scales[i] = fit_symmetric(x + 16 * i, 16);
    max_abs = std::max(max_abs, std::fabs(scales[i]));
  }
  uint16_t d_bits = float_to_f16(max_abs / 127);
  double d = f16_value(d_bits);
  int8_t sc[16];
  for (int i = 0; i < 16; i++) sc[i] = static_cast<int8_t>(d > 0 ? js_int(js_clamp(c_round(scales[i] / d), -128, 127)) : 0);
  uint8_t q[QK_K];
  for (int i = 0; i < 16; i++) {
    double step = fround(d * sc[i]);
    for (int k = 0; k < 16; k++) {
      double v = x[16 * i + k];
      q[16 * i + k] = static_cast<uint8_t>(js_int((step != 0 ? js_clamp(c_round(v / step), -32, 31) : 0) + 32));
    }
  }
  for (int h = 0; h < 2; h++)
    for (int l = 0; l < 32; l++) {
      int base = 128 * h + l;
      int q0 = q[base], q1 = q[base + 32], q2 = q[base + 64], q3 = q[base + 96];
      out[64 * h + l] = static_cast<uint8_t>((q0 & 15) | ((q2 & 15) << 4));
      out[64 * h + 32 + l] = static_cast<uint8_t>((q1 & 15) | ((q3 & 15) << 4));
      out[128 + 32 * h + l] = static_cast<uint8_t>((q0 >> 4) | ((q1 >> 4) << 2) | ((q2 >> 4) << 4) | ((q3 >> 4) << 6));
    }
  for (int i = 0; i < 16; i++) out[192 + i] = static_cast<uint8_t>(sc[i]);
  put_u16(out + 208, d_bits);
}

// Math.min(31, Math.trunc(fround(fround(x·id) + 16.5))) as ToInt32 reads it (NaN and ±∞ give 0).
inline int32_t q5_value(double x, double id) {
  double t = fast_trunc(fround(fround(x * id) + 16.5));
  return std::isnan(t) ? 0 : js_int(std::min(31.0, t));
}

// q5-0.ts (llama.cpp's reference rule).
void q5_0_block(const float* x, uint8_t* out) {
  double amax = 0, max = 0;
  for (int j = 0; j < Q5_0_VALUES; j++) {
    double v = x[j];
    if (amax < std::fabs(v)) {
      amax = std::fabs(v);
      max = v;
    }
  }
  double d = fround(max / -16);
  double id = d != 0 ? fround(1 / d) : 0;
  put_u16(out, float_to_f16(d));
  uint32_t qh = 0;
  for (int j = 0; j < Q5_0_VALUES / 2; j++) {
    int32_t q0 = q5_value(x[j], id), q1 = q5_value(x[16 + j], id);
    out[6 + j] = static_cast<uint8_t>((q0 & 15) | ((q1 & 15) << 4));
    qh |= static_cast<uint32_t>((q0 >> 4) & 1) << j;
    qh |= static_cast<uint32_t>((q1 >> 4) & 1) << (j + 16);
  }
  for (int i = 0; i < 4; i++) out[2 + i] = static_cast<uint8_t>(qh >> (8 * i));
}

// q8-0.ts (llama.cpp's reference rule).
void q8_0_block(const float* x, uint8_t* out) {
  double amax = 0;
  for (int j = 0; j < Q8_0_VALUES; j++) {
    double v = x[j];
    if (v > amax)
      amax = v;
    else if (-v > amax)
      amax = -v;
  }
  double d = fround(amax / 127);
  double id = d != 0 ? fround(1 / d) : 0;
  put_u16(out, float_to_f16(d));
  for (int j = 0; j < Q8_0_VALUES; j++) out[2 + j] = static_cast<uint8_t>(js_int(c_round(fround(x[j] * id))));
}

}  // namespace

int gguf_block_values(int type) {
  switch (type) {
    case static_cast<int>(GgufQuant::Q5_0): return Q5_0_VALUES;
    case static_cast<int>(GgufQuant::Q8_0): return Q8_0_VALUES;
    case static_cast<int>(GgufQuant::Q4_K):
    case static_cast<int>(GgufQuant::Q6_K): return QK_K;
    default: return 0;
  }
}

int gguf_block_bytes(int type) {
  switch (type) {
    case static_cast<int>(GgufQuant::Q5_0): return Q5_0_BYTES;
    case static_cast<int>(GgufQuant::Q8_0): return Q8_0_BYTES;
    case static_cast<int>(GgufQuant::Q4_K): return Q4_K_BYTES;
    case static_cast<int>(GgufQuant::Q6_K): return Q6_K_BYTES;
    default: return 0;
  }
}

void gguf_quantize(GgufQuant type, const float* x, long n, uint8_t* out) {
  const int t = static_cast<int>(type);
  const long values = gguf_block_values(t), bytes = gguf_block_bytes(t);
  if (values == 0) return;
  void (*block)(const float*, uint8_t*) = type == GgufQuant::Q4_K   ? q4_k_block
                                          : type == GgufQuant::Q6_K ? q6_k_block
                                          : type == GgufQuant::Q5_0 ? q5_0_block
                                                                    : q8_0_block;
  // about 16 K values per task: a few microseconds of work for Q8_0, a few hundred for Q4_K
  const long grain = std::max(1L, 16384 / values);
  for_ranges(n / values, grain, [&](long a, long b) {
    for (long i = a; i < b; i++) block(x + i * values, out + i * bytes);
  });
}

}  // namespace tl
