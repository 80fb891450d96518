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
// Batch b's queries start at row b*Tq, its keys at row b*Tk; query i sits at absolute position p = q_off+i
// and sees keys 0..p, or with a sliding window (window > 0; 0 means none) keys max(0, p-window+1)..p: itself and
// the window-1 before it (Hugging Face's sliding_window, kv_idx > q_idx - window), the others' probabilities
// exactly 0 and their products skipped (row blocks multiply only the keys some row of theirs sees). Query head h uses q/out columns [h*hd, (h+1)*hd). Grouped-query
// attention: with kv_heads (0 means H; H must be a multiple of it) query head h reads kv head
// h / (H / kv_heads), at k/v columns [kvh*hd, (kvh+1)*hd); kv_heads == H is multi-head attention.
// P (if not null) receives the attention probabilities [B, H, Tq, Tk] (per query head, zeros included).
// Soft-capping (softcap > 0; 0 means none, the same bits as without it): Gemma 2's attn_logit_softcapping, each score
// s = scale·q·k becomes softcap·tanh(s / softcap) before the mask and the softmax.
void attention_fwd(const float* q, int qs, const float* k, const float* v, int kvs, float* out, int os, float* P, int B, int H,
                   int Tq, int Tk, int hd, int q_off, float scale, int kv_heads = 0, int window = 0, float softcap = 0.0f);
// Backward of attention_fwd with Tq == Tk == T and q_off == 0 (and the same window and softcap; P, if given, from that
// forward pass; with softcap > 0, dS is multiplied by 1 − tanh²(s / softcap) from the scores Q·Kᵀ recomputed per row block); dq, dk, dv (rows of stride dqs; dk/dv
// at kv-head columns) are overwritten. P may be null: the probabilities are then recomputed per head
// (no B·H·T² buffer kept between passes). One task per (batch, kv head) loops over its query heads in
// order: the first writes dK/dV, the others add theirs (the sum over the group, in a fixed order).
void attention_bwd(const float* q, int qs, const float* k, const float* v, int kvs, const float* P, const float* dout, int os,
                   float* dq, float* dk, float* dv, int dqs, int B, int H, int T, int hd, float scale, int kv_heads = 0,
                   int window = 0, float softcap = 0.0f);
// Self-attention (causal, each example from position 0) over a packed batch: example b is rows starts[b] ..
// starts[b]+lens[b]-1 of q, k, v, out (and dout, dq, dk, dv), and attends to its own rows only. The same products as
// attention_fwd / attention_bwd with B = 1 per example, with every example's heads in one parallel region (the
// longest examples first), the window counted from each example's position 0, the same soft-cap. The probabilities are
// recomputed in the backward pass.
void attention_fwd_rows(const float* q, int qs, const float* k, const float* v, int kvs, float* out, int os, const int* starts,
                        const int* lens, int B, int H, int hd, float scale, int kv_heads = 0, int window = 0, float softcap = 0.0f);
void attention_bwd_rows(const float* q, int qs, const float* k, const float* v, int kvs, const float* dout, int os, float* dq,
                        float* dk, float* dv, int dqs, const int* starts, const int* lens, int B, int H, int hd, float scale,
                        int kv_heads = 0, int window = 0, float softcap = 0.0f);

// RMSNorm over the last dimension, in float32 as Hugging Face computes it: rstd[r] = 1 / sqrt(mean(x²) + eps),
// out = gamma * (x * rstd). out may be x (in place).
void rmsnorm_fwd(const float* x, const float* gamma, float* out, float* rstd, int rows, int d, float eps);
// dx (+)= RMSNorm backward: rstd * (dout∘gamma − x̂ · mean(dout∘gamma∘x̂)) with x̂ = x * rstd. dgamma (if not
// null) += sum over rows of dout∘x̂, in chunks of rows added in order. gamma [d] is shared by all rows, so
// a per-head q/k norm is rows = T·heads, d = head_dim.
void rmsnorm_bwd(const float* dout, const float* x, const float* gamma, const float* rstd, float* dx, float* dgamma, int rows, int d,
                 bool accumulate_dx);

// Rotary embedding in place, Hugging Face's rotate_half convention: for each head, elements i and i + hd/2
// (i < hd/2) become (a·cos − b·sin, b·cos + a·sin) with a, b the old values and cos/sin = tables[pos, i]
// ([max_pos, hd/2], llama3 scaling etc. already applied by the caller). x holds B·T rows of stride `stride`;
// heads at columns h·hd, h < n_heads; row b·T + t is at position pos_offset + t. inverse rotates by −θ:
// the inverse and the transpose of the forward rotation (its backward pass).
// rd: the rotary dimension (even, <= hd): pairs (i, i + rd/2) for i < rd/2 rotate, the rest of each head passes through.
void rope(float* x, long stride, int B, int T, int n_heads, int hd, int rd, int pos_offset, const float* cos, const float* sin,
          bool inverse);

// SwiGLU: out = silu(gate) * up, silu(g) = g · sigmoid(g). swiglu_bwd: dgate = dout * up * silu'(gate),
// dup = dout * silu(gate), both overwritten (element i is read before it is written: in place is fine).
void swiglu_fwd(const float* gate, const float* up, float* out, long n);
void swiglu_bwd(const float* gate, const float* up, const float* dout, float* dgate, float* dup, long n);

// Raw little-endian bfloat16 / IEEE half → float32. Exact: bf16 is float32's top half; halves keep
// signed zeros, subnormals (normalized), infinities and NaN payloads.
void bf16_to_f32(const uint16_t* src, float* dst, long n);
void f16_to_f32(const uint16_t* src, float* dst, long n);

// out[i] = table[ids[i]] (rows of d). scatter_add_rows: dtable[ids[i]] += dout[i], rows added in order
// i = 0..n-1 (each task owns a column range), so repeated ids sum deterministically.
void gather_rows(const int32_t* ids, const float* table, float* out, long n, int d);
void scatter_add_rows(const int32_t* ids, const float* dout, float* dtable, long n, int d);

// ViT patch extraction (im2col with stride = kernel = P, H and W multiples of P): img holds n_img images
// [H, W, C] (channels last); patch row i·(H/P)·(W/P) + gy·(W/P) + gx gets the P×P block at (gy, gx) as
// [py, px, c]. unpatchify is its backward pass (a permutation): dimg is overwritten from dpatches.
void patchify(const float* img, float* patches, long n_img, int H, int W, int C, int P);
void unpatchify(const float* dpatches, float* dimg, long n_img, int H, int W, int C, int P);

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
