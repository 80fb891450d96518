// GGUF block encoders, byte for byte the TypeScript ones (src/hf/gguf/k-quants.ts, q5-0.ts, q8-0.ts). Those compute
// in JavaScript numbers, so this file computes in double with the same operations in the same order, rounds to
// float32 exactly where they call Math.fround, and mirrors JavaScript where C differs:
// - Math.round rounds halves up, C's round halves away from zero (what the TypeScript `roundf` is);
// - Math.min / Math.max return NaN when an argument is NaN (js_clamp), and a NaN or ±Infinity stored into a
//   Uint8Array / Int8Array becomes 0 (js_int). NaN appears only on degenerate scales (a float16 scale that overflowed
//   to infinity times 0, a subnormal one whose reciprocal overflowed), where both sides then write 0.
// The k-quant scale searches run their sub-blocks side by side in 8-double vectors (each lane one sub-block's scalar
// operations in the scalar order, so vectorizing changes no bit), compiled for AVX-512, AVX2 and the baseline
// (TL_CLONES). Floating-point contraction (a·b + c fused into one rounding) would change results, so it is off for
// this file.
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

#include "common.h"
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

// trunc without a call into libm (x86-64's baseline has no instruction for it): below 2^52 in
// magnitude a conversion to int64 truncates exactly; larger values are integers already, and NaN stays NaN.
constexpr double TWO_52 = 4503599627370496.0;
inline double fast_trunc(double x) { return std::fabs(x) < TWO_52 ? static_cast<double>(static_cast<int64_t>(x)) : x; }

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

// Eight doubles at a time (GCC/Clang vector extensions: AVX-512, AVX2 or SSE2 / NEON pairs, whatever the target has),
// with the scalar operations' IEEE results lane by lane.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"  // the helpers below are always inlined: no vector crosses a call
#endif
typedef double v8d __attribute__((vector_size(64)));
typedef int64_t v8l __attribute__((vector_size(64)));
typedef float v8f __attribute__((vector_size(32)));

TL_INLINE v8d sel(v8l m, v8d a, v8d b) { return reinterpret_cast<v8d>((reinterpret_cast<v8l>(a) & m) | (reinterpret_cast<v8l>(b) & ~m)); }
TL_INLINE v8d splat(double v) { return v8d{v, v, v, v, v, v, v, v}; }
TL_INLINE v8d load8(const float* x) {
  v8f f;
  std::memcpy(&f, x, sizeof f);
  return __builtin_convertvector(f, v8d);
}
// The nearest integer (ties to even) of |y| < 2^51: adding and removing 1.5·2^52 rounds away the fraction.
TL_INLINE v8d nearest(v8d y) {
  const v8d magic = splat(6755399441055744.0);
  return (y + magic) - magic;
}
TL_INLINE v8d floor8(v8d y) {
  v8d t = nearest(y);
  return sel(t > y, t - 1.0, t);
}

// Math.round(y) clamped to [lo, hi], y not NaN: y is clamped to [lo − 1, hi + 1] first, which changes no result.
TL_INLINE v8d round_half_up_clamped(v8d y, double lo, double hi) {
  y = sel(y < lo - 1, splat(lo - 1), y);
  y = sel(y > hi + 1, splat(hi + 1), y);
  v8d f = floor8(y);
  v8d q = sel(y - f >= 0.5, f + 1.0, f);
  q = sel(q < lo, splat(lo), q);
  return sel(q > hi, splat(hi), q);
}

// C's roundf(y) (halves away from zero) clamped to [lo, hi], clamped first in the same way (a NaN y gives NaN, as
// clamp(roundf(NaN)) does in JavaScript).
TL_INLINE v8d round_away_clamped(v8d y, double lo, double hi) {
  y = sel(y < lo - 1, splat(lo - 1), y);
  y = sel(y > hi + 1, splat(hi + 1), y);
  v8l negative = y < 0.0;
  v8d a = sel(negative, -y, y);
  v8d f = floor8(a);
  v8d r = sel(a - f >= 0.5, f + 1.0, f);
  r = sel(negative, -r, r);
  r = sel(r < lo, splat(lo), r);
  return sel(r > hi, splat(hi), r);
}

constexpr double Q4_K_START_LEVELS[] = {15, 14, 14.5, 15.5, 16};  // k-quants.ts, in its order
constexpr int Q4_K_ROUNDS = 4;

// k-quants.ts fitAffine (y = s·q + b, q in 0…15, b ≤ 0: five starting steps, each refined by up to four rounds, the
// least squared error kept) for the 8 sub-blocks of 32 values of a Q4_K block side by side: lane j is sub-block j
// (xt[i][j] its value i) and performs the scalar fit's operations in its order (each sum adds its values in index
// order), so the lanes give the scalar results bit for bit. A lane whose rounds have ended keeps computing on
// harmless values (s = 1, b = 0) that are never read.
TL_INLINE void fit_affine_lanes(const v8d* xt, double* out_s, double* out_b) {
  constexpr int L = 8, N = 32;
  v8d lo = splat(0), hi = splat(-INF), sx = splat(0);
  for (int i = 0; i < N; i++) {
    lo = sel(xt[i] < lo, xt[i], lo);
    hi = sel(xt[i] > hi, xt[i], hi);
    sx += xt[i];
  }
  double best[L];
  bool fits[L];
  for (int j = 0; j < L; j++) {
    best[j] = INF;
    out_s[j] = (hi[j] - lo[j]) / 15;
    out_b[j] = lo[j];
    fits[j] = out_s[j] > 0;
    if (!fits[j]) out_s[j] = 0;
  }
  for (double levels : Q4_K_START_LEVELS) {
    v8d s = (hi - lo) / levels, b = lo;
    bool active[L];
    int live = 0;
    for (int j = 0; j < L; j++) {
      active[j] = fits[j];
      if (!active[j]) s[j] = 1, b[j] = 0;
      live += active[j];
    }
    for (int round = 0; round < Q4_K_ROUNDS && live > 0; round++) {
      v8d err = splat(0), sqx = splat(0), sq = splat(0), sqq = splat(0);
      for (int i = 0; i < N; i++) {
        v8d v = xt[i];
        v8d q = round_half_up_clamped((v - b) / s, 0, 15);
        v8d e = s * q + b - v;
        err += e * e;
        sqx += q * v;
        sq += q;  // sums of small integers: exact
        sqq += q * q;
      }
      for (int j = 0; j < L; j++) {
        if (!active[j]) continue;
        if (err[j] < best[j]) {
          best[j] = err[j];
          out_s[j] = s[j];
          out_b[j] = b[j];
        }
        double det = N * sqq[j] - sq[j] * sq[j];
        double ns = 0, nb = 0;
        if (det > 0) {
          ns = (N * sqx[j] - sq[j] * sx[j]) / det;
          nb = (sqq[j] * sx[j] - sq[j] * sqx[j]) / det;
          if (nb > 0) {
            nb = 0;
            ns = sqx[j] / sqq[j];
          }
        }
        if (!(det > 0) || !(ns > 0)) {
          active[j] = false;
          live--;
          s[j] = 1, b[j] = 0;
          continue;
        }
        s[j] = ns;
        b[j] = nb;
      }
    }
  }
}

// k-quants.ts's choice of each sub-block's 6-bit (sc, m) among the nine pairs around the nearest (sc0, m0): the
// squared error of the sub-block rounded with step d·sc and offset dmin·m (float32 products), the first pair of least
// error kept; the 8 sub-blocks side by side as in fit_affine_lanes. A NaN or infinite error (a float16 scale that
// overflowed) never wins, on either side.
TL_INLINE void choose_scales_lanes(const v8d* xt, double d, double dmin, uint8_t* sc, uint8_t* m) {
  constexpr int L = 8, N = 32;
  if (!(d > 0)) return;
  int sc0[L], m0[L];
  double best[L];
  for (int j = 0; j < L; j++) sc0[j] = sc[j], m0[j] = m[j], best[j] = INF;
  for (int da = -1; da <= 1; da++)
    for (int dc = -1; dc <= 1; dc++) {
      v8d step = splat(1), offset = splat(0);
      bool valid[L];
      int any = 0;
      for (int j = 0; j < L; j++) {
        int a = sc0[j] + da, c = m0[j] + dc;
        double st = fround(d * a);
        valid[j] = a >= 0 && a <= 63 && c >= 0 && c <= 63 && (c == m0[j] || dmin > 0) && st > 0;
        if (valid[j]) step[j] = st, offset[j] = fround(dmin * c);
        any += valid[j];
      }
      if (!any) continue;
      v8d err = splat(0);
      for (int i = 0; i < N; i++) {
        v8d v = xt[i];
        v8d e = step * round_away_clamped((v + offset) / step, 0, 15) - offset - v;
        err += e * e;
      }
      for (int j = 0; j < L; j++)
        if (valid[j] && err[j] < best[j]) {
          best[j] = err[j];
          sc[j] = static_cast<uint8_t>(sc0[j] + da);
          m[j] = static_cast<uint8_t>(m0[j] + dc);
        }
    }
}

// k-quants.ts fitSymmetric (y = s·q, q in −32…31) for the 16 sub-blocks of 16 values of a Q6_K block, each from its
// two starting scales: 32 lanes (lane 16k + i: start k of sub-block i, in 4 vectors) of the scalar search's
// operations in its order. Each lane records the squared error of each round it runs; the best is then picked in the
// scalar order (start −max/32's rounds, then start max/31's, the first strictly smaller error kept).
TL_CLONES void fit_symmetric_lanes(const float* x, double* scales) {
  constexpr int S = 16, G = 4, N = 16;  // sub-blocks, vectors of 8 lanes, values per sub-block
  v8d xt[G][N];
  double vmax[S];
  for (int i = 0; i < S; i++) {
    double m = 0;
    for (int k = 0; k < N; k++) {
      double v = x[N * i + k];
      xt[i / 8][k][i % 8] = v;
      xt[2 + i / 8][k][i % 8] = v;
      if (std::fabs(v) > std::fabs(m)) m = v;
    }
    vmax[i] = m;
  }
  v8d s[G];
  double errs[4][2 * S], tried[4][2 * S];
  bool active[2 * S], ran[4][2 * S] = {};
  int live = 0;
  for (int i = 0; i < S; i++) {
    active[i] = active[S + i] = vmax[i] != 0;
    s[i / 8][i % 8] = active[i] ? -vmax[i] / 32 : 1;
    s[2 + i / 8][i % 8] = active[i] ? vmax[i] / 31 : 1;
    live += 2 * active[i];
  }
  for (int round = 0; round < 4 && live > 0; round++) {
    for (int g = 0; g < G; g++) {
      v8d err = splat(0), sqx = splat(0), sqq = splat(0);
      for (int k = 0; k < N; k++) {
        v8d v = xt[g][k];
        v8d q = round_half_up_clamped(v / s[g], -32, 31);
        v8d e = s[g] * q - v;
        err += e * e;
        sqx += q * v;
        sqq += q * q;  // a sum of small integers: exact
      }
      for (int j = 0; j < 8; j++) {
        int l = 8 * g + j;
        if (!active[l]) continue;
        ran[round][l] = true;
        errs[round][l] = err[j];
        tried[round][l] = s[g][j];
        double next = sqq[j] == 0 || round == 3 ? 0 : sqx[j] / sqq[j];
        if (next == 0) {
          active[l] = false;
          live--;
          s[g][j] = 1;
          continue;
        }
        s[g][j] = next;
      }
    }
  }
  for (int i = 0; i < S; i++) {
    double best = INF, best_scale = 0;
    for (int k = 0; k < 2; k++)
      for (int round = 0; round < 4; round++) {
        int l = S * k + i;
        if (!ran[round][l]) break;
        if (errs[round][l] < best) {
          best = errs[round][l];
          best_scale = tried[round][l];
        }
      }
    scales[i] = best_scale;
  }
}

TL_CLONES void q4_k_block(const float* x, uint8_t* out) {
  v8d xt[32];
  for (int i = 0; i < 32; i++)
    for (int j = 0; j < 8; j++) xt[i][j] = x[32 * j + i];
  double scales[8], mins[8];
  fit_affine_lanes(xt, scales, mins);
  double max_scale = 0, max_min = 0;
  for (int j = 0; j < 8; j++) {
    mins[j] = -mins[j];
    max_scale = std::max(max_scale, scales[j]);
    max_min = std::max(max_min, mins[j]);
  }
  uint16_t d_bits = float_to_f16(max_scale / 63), dmin_bits = float_to_f16(max_min / 63);
  double d = f16_value(d_bits), dmin = f16_value(dmin_bits);
  uint8_t sc[8], m[8];
  for (int j = 0; j < 8; j++) {
    sc[j] = static_cast<uint8_t>(d > 0 ? js_int(js_clamp(c_round(scales[j] / d), 0, 63)) : 0);
    m[j] = static_cast<uint8_t>(dmin > 0 ? js_int(js_clamp(c_round(mins[j] / dmin), 0, 63)) : 0);
  }
  choose_scales_lanes(xt, d, dmin, sc, m);
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
    // a step that is not > 0 writes 0s; so does a NaN offset (an infinite dmin times m = 0): NaN quotients store 0
    if (!(step > 0) || std::isnan(offset)) {
      std::memset(q + 32 * j, 0, 32);
      continue;
    }
    for (int i = 0; i < 32; i += 8) {
      v8d r = round_away_clamped((load8(x + 32 * j + i) + offset) / step, 0, 15);
      for (int k = 0; k < 8; k++) q[32 * j + i + k] = static_cast<uint8_t>(r[k]);
    }
  }
  for (int c = 0; c < 4; c++)
    for (int l = 0; l < 32; l++) out[16 + 32 * c + l] = static_cast<uint8_t>(q[64 * c + l] | (q[64 * c + 32 + l] << 4));
}

TL_CLONES void q6_k_block(const float* x, uint8_t* out) {
  double scales[16];
  fit_symmetric_lanes(x, scales);
  double max_abs = 0;
  for (int i = 0; i < 16; i++) max_abs = std::max(max_abs, std::fabs(scales[i]));
  uint16_t d_bits = float_to_f16(max_abs / 127);
  double d = f16_value(d_bits);
  int8_t sc[16];
  for (int i = 0; i < 16; i++) sc[i] = static_cast<int8_t>(d > 0 ? js_int(js_clamp(c_round(scales[i] / d), -128, 127)) : 0);
  uint8_t q[QK_K];
  for (int i = 0; i < 16; i++) {
    double step = fround(d * sc[i]);
    // a NaN step (an infinite d times 0) gives NaN + 32, stored as 0; a zero step gives q = 0, stored as 32
    if (std::isnan(step) || step == 0) {
      std::memset(q + 16 * i, std::isnan(step) ? 0 : 32, 16);
      continue;
    }
    for (int k = 0; k < 16; k += 8) {
      v8d r = round_away_clamped(load8(x + 16 * i + k) / step, -32, 31) + 32.0;
      for (int l = 0; l < 8; l++) q[16 * i + k + l] = static_cast<uint8_t>(r[l]);
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
TL_CLONES void q8_0_block(const float* x, uint8_t* out) {
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
  if (!std::isfinite(id)) {  // a subnormal scale whose reciprocal overflowed: NaN and infinite quotients store 0
    for (int j = 0; j < Q8_0_VALUES; j++) out[2 + j] = static_cast<uint8_t>(js_int(c_round(fround(x[j] * id))));
    return;
  }
  for (int j = 0; j < Q8_0_VALUES; j += 8) {
    v8d p = load8(x + j) * id;  // exact (float × float in double), then rounded to float32 as Math.fround does
    v8d y = __builtin_convertvector(__builtin_convertvector(p, v8f), v8d);
    v8d r = round_away_clamped(y, -128, 127);  // |y| ≤ 127 (and a bit): the clamp changes nothing
    for (int k = 0; k < 8; k++) out[2 + j + k] = static_cast<uint8_t>(static_cast<int8_t>(r[k]));
  }
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
