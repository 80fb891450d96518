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

// Row i of S (scores, Tk wide) becomes softmax over keys 0..min(Tk, q_off+i+1)-1, zero beyond.
TL_CLONES void causal_softmax(float* S, int Tq, int Tk, int q_off, float scale) {
  for (int i = 0; i < Tq; i++) {
    float* s = S + static_cast<long>(i) * Tk;
    int n = std::min(Tk, q_off + i + 1);
    float mx = -INFINITY;
#pragma omp simd reduction(max : mx)
    for (int j = 0; j < n; j++) mx = s[j] > mx ? s[j] : mx;
    float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
    for (int j = 0; j < n; j++) {
      float e = fast_exp((s[j] - mx) * scale);
      s[j] = e;
      sum += e;
    }
    float inv = 1.0f / sum;
#pragma omp simd
    for (int j = 0; j < n; j++) s[j] *= inv;
    for (int j = n; j < Tk; j++) s[j] = 0.0f;
  }
}

// dS = P ∘ (dP − rowsum(P ∘ dP)) · scale, in place over dP, for `rows` causal rows starting at row0.
TL_CLONES void softmax_bwd(const float* P, float* dP, int rows, int row0, int T, float scale) {
  for (int i = 0; i < rows; i++) {
    const float* p = P + static_cast<long>(i) * T;
    float* d = dP + static_cast<long>(i) * T;
    int n = row0 + i + 1;
    float D = 0.0f;
#pragma omp simd reduction(+ : D)
    for (int j = 0; j < n; j++) D += p[j] * d[j];
#pragma omp simd
    for (int j = 0; j < n; j++) d[j] = p[j] * (d[j] - D) * scale;
    for (int j = n; j < T; j++) d[j] = 0.0f;
  }
}

// Rows are processed in blocks of RB so that the causal upper triangle (keys after the block's last
// query) is never multiplied. RB is a multiple of every microkernel's MR.
constexpr int RB = 48;

}  // namespace

namespace {

// Query head h of one example: queries from qh (rows of stride qs), keys/values from kh/vh (stride kvs), output oh
// (stride os). Query i sits at position q_off+i and sees keys 0..q_off+i. S holds the probabilities [Tq, Tk].
void head_fwd(const float* qh, int qs, const float* kh, const float* vh, int kvs, float* oh, int os, float* S, int Tq, int Tk,
              int hd, int q_off, float scale) {
  for (int i0 = 0; i0 < Tq; i0 += RB) {
    int m = std::min(RB, Tq - i0);
    int nk = std::min(Tk, q_off + i0 + m);
    float* Si = S + static_cast<long>(i0) * Tk;
    sgemm_serial(false, true, m, nk, hd, qh + static_cast<long>(i0) * qs, qs, kh, kvs, Si, Tk, false, nullptr);
    causal_softmax(Si, m, Tk, q_off + i0, scale);
    sgemm_serial(false, false, m, hd, nk, Si, Tk, vh, kvs, oh + static_cast<long>(i0) * os, os, false, nullptr);
  }
}

// The gradients of kv head kvh of one example of T rows (its rows at q, k, v, dout, dq, dk, dv), over the kv head's
// query heads in order: the first writes dK/dV, the next ones add theirs. P: the example's probabilities [H, T, T], or
// null (recomputed per head into Pbuf).
void kv_head_bwd(const float* q, int qs, const float* k, const float* v, int kvs, const float* P, const float* dout, int os,
                 float* dq, float* dk, float* dv, int dqs, int H, int T, int hd, float scale, int kvh, int group,
                 std::vector<float>& dP, std::vector<float>& Pbuf) {
  if (dP.size() < static_cast<size_t>(T) * T) dP.resize(static_cast<size_t>(T) * T);
  const float* kh = k + kvh * hd;
  const float* vh = v + kvh * hd;
  float* dkh = dk + kvh * hd;
  float* dvh = dv + kvh * hd;
  for (int g = 0; g < group; g++) {
    int h = kvh * group + g;
    bool add = g > 0;
    const float* qh = q + h * hd;
    const float* Ph = P ? P + static_cast<long>(h) * T * T : nullptr;
    if (!Ph) {  // recompute the probabilities (memory O(T²) per thread instead of per batch × head × layer)
      if (Pbuf.size() < static_cast<size_t>(T) * T) Pbuf.resize(static_cast<size_t>(T) * T);
      for (int i0 = 0; i0 < T; i0 += RB) {
        int m = std::min(RB, T - i0);
        float* Si = Pbuf.data() + static_cast<long>(i0) * T;
        sgemm_serial(false, true, m, i0 + m, hd, qh + static_cast<long>(i0) * qs, qs, kh, kvs, Si, T, false, nullptr);
        causal_softmax(Si, m, T, i0, scale);
      }
      Ph = Pbuf.data();
    }
    const float* doh = dout + h * hd;
    float* dS = dP.data();
    float* dqh = dq + h * hd;
    for (int i0 = 0; i0 < T; i0 += RB) {  // query rows i0.. see keys < i0 + m
      int m = std::min(RB, T - i0), nk = i0 + m;
      long o = static_cast<long>(i0) * T;
      sgemm_serial(false, true, m, nk, hd, doh + static_cast<long>(i0) * os, os, vh, kvs, dS + o, T, false, nullptr);  // dP = dO·Vᵀ
      softmax_bwd(Ph + o, dS + o, m, i0, T, scale);                                                                   // dS
      sgemm_serial(false, false, m, hd, nk, dS + o, T, kh, kvs, dqh + static_cast<long>(i0) * dqs, dqs, false, nullptr);  // dQ = dS·K
    }
    for (int j0 = 0; j0 < T; j0 += RB) {  // key rows j0.. are seen by queries >= j0
      int m = std::min(RB, T - j0), nq = T - j0;
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
                   int Tq, int Tk, int hd, int q_off, float scale, int kv_heads) {
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
    head_fwd(qh, qs, kh, vh, kvs, oh, os, S, Tq, Tk, hd, q_off, scale);
  };
  if (static_cast<long>(B) * H * Tq * Tk * hd < 100000) {
    for (int t = 0; t < B * H; t++) run(t);
  } else {
    parallel_for(B * H, run);
  }
}

void attention_bwd(const float* q, int qs, const float* k, const float* v, int kvs, const float* P, const float* dout, int os,
                   float* dq, float* dk, float* dv, int dqs, int B, int H, int T, int hd, float scale, int kv_heads) {
  const int KV = kv_heads > 0 ? kv_heads : H;
  const int group = H / KV;
  // One task per (batch, kv head): it loops over the kv head's query heads in order, the first one
  // writing dK and dV, the next ones adding to them (deterministic, no two tasks share an output).
  parallel_for(B * KV, [&](int t) {
    thread_local std::vector<float> dP, Pbuf;
    int b = t / KV, kvh = t % KV;
    long row = static_cast<long>(b) * T;
    kv_head_bwd(q + row * qs, qs, k + row * kvs, v + row * kvs, kvs, P ? P + static_cast<long>(b) * H * T * T : nullptr,
                dout + row * os, os, dq + row * dqs, dk + row * dqs, dv + row * dqs, dqs, H, T, hd, scale, kvh, group, dP, Pbuf);
  });
}

void attention_fwd_rows(const float* q, int qs, const float* k, const float* v, int kvs, float* out, int os, const int* starts,
                        const int* lens, int B, int H, int hd, float scale, int kv_heads) {
  const int group = H / (kv_heads > 0 ? kv_heads : H);
  const std::vector<int> order = longest_first(lens, B);
  parallel_for(B * H, [&](int t) {
    thread_local std::vector<float> tmp;
    int b = order[t / H], h = t % H, T = lens[b];
    if (T <= 0) return;
    if (tmp.size() < static_cast<size_t>(T) * T) tmp.resize(static_cast<size_t>(T) * T);
    long row = starts[b];
    head_fwd(q + row * qs + h * hd, qs, k + row * kvs + (h / group) * hd, v + row * kvs + (h / group) * hd, kvs, out + row * os + h * hd,
             os, tmp.data(), T, T, hd, 0, scale);
  });
}

void attention_bwd_rows(const float* q, int qs, const float* k, const float* v, int kvs, const float* dout, int os, float* dq,
                        float* dk, float* dv, int dqs, const int* starts, const int* lens, int B, int H, int hd, float scale,
                        int kv_heads) {
  const int KV = kv_heads > 0 ? kv_heads : H;
  const int group = H / KV;
  const std::vector<int> order = longest_first(lens, B);
  parallel_for(B * KV, [&](int t) {
    thread_local std::vector<float> dP, Pbuf;
    int b = order[t / KV], kvh = t % KV, T = lens[b];
    if (T <= 0) return;
    long row = starts[b];
    kv_head_bwd(q + row * qs, qs, k + row * kvs, v + row * kvs, kvs, nullptr, dout + row * os, os, dq + row * dqs, dk + row * dqs,
                dv + row * dqs, dqs, H, T, hd, scale, kvh, group, dP, Pbuf);
  });
}

}  // namespace tl
