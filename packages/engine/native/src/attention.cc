// Causal attention per (batch, head) task: the products Q·Kᵀ, P·V and their gradients run through
// the packed matmul on the calling thread (each head is one task); softmax and its gradient are
// fused row loops over key positions.
#include <algorithm>
#include <cmath>
#include <vector>

#include "common.h"
#include "gemm.h"
#include "kernels.h"
#include "threadpool.h"

namespace tl {
namespace {

// The first key query position p sees: p - window + 1 with a sliding window (0: none, every key from 0).
inline int window_lo(int p, int window) { return window > 0 ? std::max(0, p - window + 1) : 0; }

// Row i of S (scores, Tk wide) becomes softmax over keys lo..n-1, lo = window_lo(q_off+i), n = min(Tk,
// q_off+i+1), and zero at the other columns of [c0, c1) (the ones read afterwards: the whole row for a P returned to the
// caller); the scores in [lo, n) must have been computed.
TL_CLONES void causal_softmax(float* S, int Tq, int Tk, int q_off, float scale, int window, int c0, int c1) {
  for (int i = 0; i < Tq; i++) {
    float* s = S + static_cast<long>(i) * Tk;
    int n = std::min(Tk, q_off + i + 1), lo = std::min(window_lo(q_off + i, window), n);
    float mx = -INFINITY;
#pragma omp simd reduction(max : mx)
    for (int j = lo; j < n; j++) mx = s[j] > mx ? s[j] : mx;
    float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
    for (int j = lo; j < n; j++) {
      float e = fast_exp((s[j] - mx) * scale);
      s[j] = e;
      sum += e;
    }
    float inv = 1.0f / sum;
#pragma omp simd
    for (int j = lo; j < n; j++) s[j] *= inv;
    for (int j = c0; j < lo; j++) s[j] = 0.0f;
    for (int j = std::max(n, c0); j < c1; j++) s[j] = 0.0f;
  }
}

// dS = P ∘ (dP − rowsum(P ∘ dP)) · scale, in place over dP, for `rows` causal rows starting at row0 (rows of stride T),
// over each row's keys lo..row0+i (lo = window_lo); zero at the other columns of [c0, c1).
TL_CLONES void softmax_bwd(const float* P, float* dP, int rows, int row0, int T, float scale, int window, int c0, int c1) {
  for (int i = 0; i < rows; i++) {
    const float* p = P + static_cast<long>(i) * T;
    float* d = dP + static_cast<long>(i) * T;
    int n = row0 + i + 1, lo = window_lo(row0 + i, window);
    float D = 0.0f;
#pragma omp simd reduction(+ : D)
    for (int j = lo; j < n; j++) D += p[j] * d[j];
#pragma omp simd
    for (int j = lo; j < n; j++) d[j] = p[j] * (d[j] - D) * scale;
    for (int j = c0; j < lo; j++) d[j] = 0.0f;
    for (int j = std::max(n, c0); j < c1; j++) d[j] = 0.0f;
  }
}

// Soft-capping (Gemma 2's attn_logit_softcapping): the score s = scale·q·k becomes cap·tanh(s / cap) before the mask
// and the softmax; its backward multiplies dS by 1 − tanh²(s / cap). tanh_grad(x) gives t = tanh(x) and g = 1 − t², both
// to a few float32 ulp, branch-free so the row loops vectorize: |x| < 0.25 by tanh's odd Taylor series to x⁹ (the next
// term is < 1e-8 relative), else from u = e^(−2|x|) as t = (1 − u) / (1 + u) and g = 4u / (1 + u)² (no cancellation where
// t saturates; u stays a normal float, so g > 0 and t = ±1 at most).
TL_INLINE float tanh_grad(float x, float& g) {
  float ax = __builtin_fabsf(x);
  float u = fast_exp(-2.0f * ax);
  float r = 1.0f / (1.0f + u);
  float x2 = x * x;
  float series = ax * (1.0f + x2 * (-1.0f / 3.0f + x2 * (2.0f / 15.0f + x2 * (-17.0f / 315.0f + x2 * (62.0f / 2835.0f)))));
  bool small = ax < 0.25f;
  float t = small ? series : (1.0f - u) * r;
  g = small ? 1.0f - t * t : 4.0f * u * r * r;
  return __builtin_copysignf(t, x);
}

// causal_softmax with soft-capping: the raw scores s (q·k, unscaled) of row i's keys lo..n-1 become cap·tanh(scale·s / cap),
// then the softmax over them; G (if not null, rows of stride Tk) receives 1 − tanh² at those keys for the backward pass.
TL_CLONES void capped_softmax(float* S, float* G, int Tq, int Tk, int q_off, float scale, float cap, int window, int c0, int c1) {
  const float f = scale / cap;
  for (int i = 0; i < Tq; i++) {
    float* s = S + static_cast<long>(i) * Tk;
    int n = std::min(Tk, q_off + i + 1), lo = std::min(window_lo(q_off + i, window), n);
    float mx = -INFINITY;
    if (G) {
      float* g = G + static_cast<long>(i) * Tk;
#pragma omp simd reduction(max : mx)
      for (int j = lo; j < n; j++) {
        float c = cap * tanh_grad(s[j] * f, g[j]);
        s[j] = c;
        mx = c > mx ? c : mx;
      }
    } else {
#pragma omp simd reduction(max : mx)
      for (int j = lo; j < n; j++) {
        float unused;
        float c = cap * tanh_grad(s[j] * f, unused);
        s[j] = c;
        mx = c > mx ? c : mx;
      }
    }
    float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
    for (int j = lo; j < n; j++) {
      float e = fast_exp(s[j] - mx);
      s[j] = e;
      sum += e;
    }
    float inv = 1.0f / sum;
#pragma omp simd
    for (int j = lo; j < n; j++) s[j] *= inv;
    for (int j = c0; j < lo; j++) s[j] = 0.0f;
    for (int j = std::max(n, c0); j < c1; j++) s[j] = 0.0f;
  }
}

// The raw scores S of `rows` causal rows from row0 (stride T) become 1 − tanh²(scale·s / cap) in place at each row's keys
// lo..row0+i (for the backward pass with saved probabilities).
TL_CLONES void capped_grad(float* S, int rows, int row0, int T, float scale, float cap, int window) {
  const float f = scale / cap;
  for (int i = 0; i < rows; i++) {
    float* s = S + static_cast<long>(i) * T;
    int n = row0 + i + 1, lo = window_lo(row0 + i, window);
#pragma omp simd
    for (int j = lo; j < n; j++) {
      float g;
      tanh_grad(s[j] * f, g);
      s[j] = g;
    }
  }
}

// softmax_bwd with soft-capping: dS = P ∘ (dP − rowsum(P ∘ dP)) ∘ G · scale, G (rows of stride T) = 1 − tanh² of the
// capped scores.
TL_CLONES void capped_softmax_bwd(const float* P, float* dP, const float* G, int rows, int row0, int T, float scale, int window, int c0,
                                  int c1) {
  for (int i = 0; i < rows; i++) {
    const float* p = P + static_cast<long>(i) * T;
    const float* g = G + static_cast<long>(i) * T;
    float* d = dP + static_cast<long>(i) * T;
    int n = row0 + i + 1, lo = window_lo(row0 + i, window);
    float D = 0.0f;
#pragma omp simd reduction(+ : D)
    for (int j = lo; j < n; j++) D += p[j] * d[j];
#pragma omp simd
    for (int j = lo; j < n; j++) d[j] = p[j] * (d[j] - D) * g[j] * scale;
    for (int j = c0; j < lo; j++) d[j] = 0.0f;
    for (int j = std::max(n, c0); j < c1; j++) d[j] = 0.0f;
  }
}

// Rows are processed in blocks of RB so that the causal upper triangle (keys after the block's last
// query) is never multiplied, nor (with a sliding window) the keys before the window of the block's first
// query. RB is a multiple of every microkernel's MR.
constexpr int RB = 48;

}  // namespace

namespace {

// Query head h of one example: queries from qh (rows of stride qs), keys/values from kh/vh (stride kvs), output oh
// (stride os). Query i sits at position p = q_off+i and sees keys window_lo(p)..p. S holds the probabilities [Tq, Tk]:
// every column when `full` (returned to the caller), else only those each row block read.
void head_fwd(const float* qh, int qs, const float* kh, const float* vh, int kvs, float* oh, int os, float* S, bool full, int Tq,
              int Tk, int hd, int q_off, float scale, int window, float softcap) {
  for (int i0 = 0; i0 < Tq; i0 += RB) {
    int m = std::min(RB, Tq - i0);
    int nk = std::min(Tk, q_off + i0 + m);
    int j0 = std::min(window_lo(q_off + i0, window), nk);  // keys j0..nk-1 are seen by some row of the block
    float* Si = S + static_cast<long>(i0) * Tk;
    sgemm_serial(false, true, m, nk - j0, hd, qh + static_cast<long>(i0) * qs, qs, kh + static_cast<long>(j0) * kvs, kvs, Si + j0, Tk,
                 false, nullptr);
    int c0 = full ? 0 : j0, c1 = full || window == 0 ? Tk : nk;
    if (softcap > 0.0f)
      capped_softmax(Si, nullptr, m, Tk, q_off + i0, scale, softcap, window, c0, c1);
    else
      causal_softmax(Si, m, Tk, q_off + i0, scale, window, c0, c1);
    sgemm_serial(false, false, m, hd, nk - j0, Si + j0, Tk, vh + static_cast<long>(j0) * kvs, kvs, oh + static_cast<long>(i0) * os, os,
                 false, nullptr);
  }
}

// The gradients of kv head kvh of one example of T rows (its rows at q, k, v, dout, dq, dk, dv), over the kv head's
// query heads in order: the first writes dK/dV, the next ones add theirs. P: the example's probabilities [H, T, T] (from
// the forward pass with the same window and soft-cap), or null (recomputed per head into Pbuf). With soft-capping, each
// query row block's 1 − tanh² factors go to Gbuf (RB rows of T): from the scores recomputed there (the probabilities
// recomputed row block by row block, just before their backward) or, with saved probabilities, from one more product
// Q·Kᵀ of the block's seen keys.
void kv_head_bwd(const float* q, int qs, const float* k, const float* v, int kvs, const float* P, const float* dout, int os,
                 float* dq, float* dk, float* dv, int dqs, int H, int T, int hd, float scale, int kvh, int group, int window,
                 float softcap, std::vector<float>& dP, std::vector<float>& Pbuf, std::vector<float>& Gbuf) {
  if (dP.size() < static_cast<size_t>(T) * T) dP.resize(static_cast<size_t>(T) * T);
  const bool capped = softcap > 0.0f;
  if (capped && Gbuf.size() < static_cast<size_t>(RB) * T) Gbuf.resize(static_cast<size_t>(RB) * T);
  const float* kh = k + kvh * hd;
  const float* vh = v + kvh * hd;
  float* dkh = dk + kvh * hd;
  float* dvh = dv + kvh * hd;
  // Row block i0 computes keys j0(i0)..i0+m-1; the key-block loop below reads its rows from the start of j0's key block
  // (RB-aligned) to its end, so that is the range its zeros must cover (without a window: the whole row, as always).
  auto cols = [&](int i0, int m, int& j0, int& c0, int& c1) {
    j0 = window_lo(i0, window);
    c0 = window > 0 ? j0 / RB * RB : 0;
    c1 = window > 0 ? i0 + m : T;
  };
  for (int g = 0; g < group; g++) {
    int h = kvh * group + g;
    bool add = g > 0;
    const float* qh = q + h * hd;
    const float* Ph = P ? P + static_cast<long>(h) * T * T : nullptr;
    float* Pw = nullptr;  // capped and recomputed: the probabilities filled row block by row block in the loop below
    if (!Ph) {  // recompute the probabilities (memory O(T²) per thread instead of per batch × head × layer)
      if (Pbuf.size() < static_cast<size_t>(T) * T) Pbuf.resize(static_cast<size_t>(T) * T);
      if (capped) {
        Pw = Pbuf.data();
      } else {
        for (int i0 = 0; i0 < T; i0 += RB) {
          int m = std::min(RB, T - i0), j0, c0, c1;
          cols(i0, m, j0, c0, c1);
          float* Si = Pbuf.data() + static_cast<long>(i0) * T;
          sgemm_serial(false, true, m, i0 + m - j0, hd, qh + static_cast<long>(i0) * qs, qs, kh + static_cast<long>(j0) * kvs, kvs, Si + j0, T,
                       false, nullptr);
          causal_softmax(Si, m, T, i0, scale, window, c0, c1);
        }
      }
      Ph = Pbuf.data();
    }
    const float* doh = dout + h * hd;
    float* dS = dP.data();
    float* dqh = dq + h * hd;
    for (int i0 = 0; i0 < T; i0 += RB) {  // query rows i0.. see keys j0 .. i0 + m - 1
      int m = std::min(RB, T - i0), nk = i0 + m, j0, c0, c1;
      cols(i0, m, j0, c0, c1);
      long o = static_cast<long>(i0) * T;
      float* G = Gbuf.data();
      if (capped) {  // the block's raw scores Q·Kᵀ: probabilities and factors G, or (saved probabilities) the factors alone
        float* Si = Pw ? Pw + o : G;
        sgemm_serial(false, true, m, nk - j0, hd, qh + static_cast<long>(i0) * qs, qs, kh + static_cast<long>(j0) * kvs, kvs, Si + j0, T,
                     false, nullptr);
        if (Pw)
          capped_softmax(Si, G, m, T, i0, scale, softcap, window, c0, c1);
        else
          capped_grad(G, m, i0, T, scale, softcap, window);
      }
      sgemm_serial(false, true, m, nk - j0, hd, doh + static_cast<long>(i0) * os, os, vh + static_cast<long>(j0) * kvs, kvs, dS + o + j0, T,
                   false, nullptr);  // dP = dO·Vᵀ
      if (capped)
        capped_softmax_bwd(Ph + o, dS + o, G, m, i0, T, scale, window, c0, c1);
      else
        softmax_bwd(Ph + o, dS + o, m, i0, T, scale, window, c0, c1);  // dS
      sgemm_serial(false, false, m, hd, nk - j0, dS + o + j0, T, kh + static_cast<long>(j0) * kvs, kvs, dqh + static_cast<long>(i0) * dqs, dqs,
                   false, nullptr);  // dQ = dS·K
    }
    for (int j0 = 0; j0 < T; j0 += RB) {  // key rows j0.. are seen by queries j0 .. j0 + m + window - 2
      int m = std::min(RB, T - j0);
      int nq = (window > 0 ? std::min<long>(T, static_cast<long>(j0) + m + window - 1) : T) - j0;
      long o = static_cast<long>(j0) * T + j0;
      sgemm_serial(true, false, m, hd, nq, dS + o, T, qh + static_cast<long>(j0) * qs, qs, dkh + static_cast<long>(j0) * dqs, dqs, add, nullptr);  // dK (+)= dSᵀ·Q
      sgemm_serial(true, false, m, hd, nq, Ph + o, T, doh + static_cast<long>(j0) * os, os, dvh + static_cast<long>(j0) * dqs, dqs, add, nullptr);  // dV (+)= Pᵀ·dO
    }
  }
}

// The examples of a packed batch, longest first: its (example, head) tasks are claimed in that order, so the long
// examples' quadratic work starts first and the short ones fill in at the end.
std::vector<int> longest_first(const int* lens, int B) {
  std::vector<int> order(B);
  for (int b = 0; b < B; b++) order[b] = b;
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return lens[a] > lens[b]; });
  return order;
}

}  // namespace

void attention_fwd(const float* q, int qs, const float* k, const float* v, int kvs, float* out, int os, float* P, int B, int H,
                   int Tq, int Tk, int hd, int q_off, float scale, int kv_heads, int window, float softcap) {
  const int group = H / (kv_heads > 0 ? kv_heads : H);  // query heads per kv head
  auto run = [&](int t) {
    thread_local std::vector<float> tmp;
    int b = t / H, h = t % H;
    float* S = P ? P + (static_cast<long>(b) * H + h) * Tq * Tk : nullptr;
    if (!S) {
      if (tmp.size() < static_cast<size_t>(Tq) * Tk) tmp.resize(static_cast<size_t>(Tq) * Tk);
      S = tmp.data();
    }
    const float* qh = q + static_cast<long>(b) * Tq * qs + h * hd;
    const float* kh = k + static_cast<long>(b) * Tk * kvs + (h / group) * hd;
    const float* vh = v + static_cast<long>(b) * Tk * kvs + (h / group) * hd;
    float* oh = out + static_cast<long>(b) * Tq * os + h * hd;
    head_fwd(qh, qs, kh, vh, kvs, oh, os, S, P != nullptr, Tq, Tk, hd, q_off, scale, window, softcap);
  };
  if (static_cast<long>(B) * H * Tq * Tk * hd < 100000) {
    for (int t = 0; t < B * H; t++) run(t);
  } else {
    parallel_for(B * H, run);
  }
}

void attention_bwd(const float* q, int qs, const float* k, const float* v, int kvs, const float* P, const float* dout, int os,
                   float* dq, float* dk, float* dv, int dqs, int B, int H, int T, int hd, float scale, int kv_heads, int window,
                   float softcap) {
  const int KV = kv_heads > 0 ? kv_heads : H;
  const int group = H / KV;
  // One task per (batch, kv head): it loops over the kv head's query heads in order, the first one
  // writing dK and dV, the next ones adding to them (deterministic, no two tasks share an output).
  parallel_for(B * KV, [&](int t) {
    thread_local std::vector<float> dP, Pbuf, Gbuf;
    int b = t / KV, kvh = t % KV;
    long row = static_cast<long>(b) * T;
    kv_head_bwd(q + row * qs, qs, k + row * kvs, v + row * kvs, kvs, P ? P + static_cast<long>(b) * H * T * T : nullptr,
                dout + row * os, os, dq + row * dqs, dk + row * dqs, dv + row * dqs, dqs, H, T, hd, scale, kvh, group, window, softcap, dP, Pbuf,
                Gbuf);
  });
}

void attention_fwd_rows(const float* q, int qs, const float* k, const float* v, int kvs, float* out, int os, const int* starts,
                        const int* lens, int B, int H, int hd, float scale, int kv_heads, int window, float softcap) {
  const int group = H / (kv_heads > 0 ? kv_heads : H);
  const std::vector<int> order = longest_first(lens, B);
  parallel_for(B * H, [&](int t) {
    thread_local std::vector<float> tmp;
    int b = order[t / H], h = t % H, T = lens[b];
    if (T <= 0) return;
    if (tmp.size() < static_cast<size_t>(T) * T) tmp.resize(static_cast<size_t>(T) * T);
    long row = starts[b];
    head_fwd(q + row * qs + h * hd, qs, k + row * kvs + (h / group) * hd, v + row * kvs + (h / group) * hd, kvs, out + row * os + h * hd,
             os, tmp.data(), false, T, T, hd, 0, scale, window, softcap);
  });
}

void attention_bwd_rows(const float* q, int qs, const float* k, const float* v, int kvs, const float* dout, int os, float* dq,
                        float* dk, float* dv, int dqs, const int* starts, const int* lens, int B, int H, int hd, float scale,
                        int kv_heads, int window, float softcap) {
  const int KV = kv_heads > 0 ? kv_heads : H;
  const int group = H / KV;
  const std::vector<int> order = longest_first(lens, B);
  parallel_for(B * KV, [&](int t) {
    thread_local std::vector<float> dP, Pbuf, Gbuf;
    int b = order[t / KV], kvh = t % KV, T = lens[b];
    if (T <= 0) return;
    long row = starts[b];
    kv_head_bwd(q + row * qs, qs, k + row * kvs, v + row * kvs, kvs, nullptr, dout + row * os, os, dq + row * dqs, dk + row * dqs,
                dv + row * dqs, dqs, H, T, hd, scale, kvh, group, window, softcap, dP, Pbuf, Gbuf);
  });
}

}  // namespace tl
