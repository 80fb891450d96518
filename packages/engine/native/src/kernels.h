// Declarations of the non-matmul kernels. All multi-threaded kernels split work so that each output
// element is produced by one task in a fixed order: results do not depend on the thread count.
#pragma once
#include <cstdint>

namespace tl {

// LayerNorm over the last dimension: out = (x - mean) * rstd * gamma + beta; saves mean and rstd per row.
void layernorm_fwd(const float* x, const float* gamma, const float* beta, float* out, float* mean, float* rstd, int rows, int d);
// dx (+)= LayerNorm backward; dgamma, dbeta += sums over rows (reduced in a fixed order).
void layernorm_bwd(const float* dout, const float* x, const float* gamma, const float* mean, const float* rstd, float* dx,
                   float* dgamma, float* dbeta, int rows, int d, bool accumulate_dx);

// GELU (tanh approximation). gelu_bwd: dx = dout * gelu'(x).
void gelu_fwd(const float* x, float* out, long n);
void gelu_bwd(const float* x, const float* dout, float* dx, long n);

// out[r] (+)= column sums of x[rows, cols].
void colsum(const float* x, int rows, int cols, float* out, bool accumulate);

// out[b*T+t] = tok[ids[b*T+t]] + pos[t].
void embed_fwd(const int32_t* ids, const float* tok, const float* pos, float* out, int B, int T, int d);
// dtok[ids[i]] += dout[i]; dpos[t] += sum over b of dout[b*T+t].
void embed_bwd(const int32_t* ids, const float* dout, float* dtok, float* dpos, int B, int T, int d);

// Causal attention. q rows have stride qs, k and v rows stride kvs, out rows stride os (all per token).
// Batch b's queries start at row b*Tq, its keys at row b*Tk; query i sits at absolute position q_off+i
// and sees keys 0..q_off+i. Head h uses columns [h*hd, (h+1)*hd). P (if not null) receives the
// attention probabilities [B, H, Tq, Tk].
void attention_fwd(const float* q, int qs, const float* k, const float* v, int kvs, float* out, int os, float* P, int B, int H,
                   int Tq, int Tk, int hd, int q_off, float scale);
// Backward of attention_fwd with Tq == Tk == T and q_off == 0; dq, dk, dv are overwritten. P may be
// null: the probabilities are then recomputed per head (no B·H·T² buffer kept between passes).
void attention_bwd(const float* q, int qs, const float* k, const float* v, int kvs, const float* P, const float* dout, int os,
                   float* dq, float* dk, float* dv, int dqs, int B, int H, int T, int hd, float scale);

// Softmax cross-entropy per row with weights. losses[r] = logsumexp - logit[target] (unweighted),
// correct[r] = 1 if argmax == target. If grad, logits are replaced by weight[r] * (softmax - onehot).
// Rows with weight 0 are skipped (loss 0, gradient 0).
void cross_entropy(float* logits, const int32_t* targets, const float* weights, float* losses, float* correct, int rows, int V,
                   bool grad);

// Dropout with a counter-based mask (no state, the same for any thread count; the backward pass
// calls it again with the same seed): out[i] = (base ? base[i] : 0) + keep(seed, i) * x[i] / (1 - p).
void dropout(const float* x, const float* base, float* out, long n, double p, uint32_t seed);

// AdamW on n parameters with gradient scale (clipping) and bias corrections bc1 = 1-b1^t, bc2 = 1-b2^t.
void adamw(float* p, const float* g, float* m, float* v, long n, float lr, float b1, float b2, float eps, float wd, float gscale,
           float bc1, float bc2);
// Sum of squares in float64, in fixed-size chunks combined in order.
double sumsq(const float* x, long n);

}  // namespace tl
