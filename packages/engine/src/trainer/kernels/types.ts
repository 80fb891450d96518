/**
 * The compute kernels the model is written against. Two implementations: the native addon
 * (Float32, multithreaded, used at run time) and a pure-TS reference (Float32 or Float64, used only
 * by tests for gradient checks and native-vs-reference agreement). Semantics are documented in
 * native/src/kernels.h and native/src/gemm.h; the reference mirrors them line for line.
 */
export type Vec = Float32Array | Float64Array;

/** gemm with B given as raw 16-bit halves (bf16 or IEEE half, by kernel), the arithmetic in float32. */
export type GemmHalvesB = (
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  A: Vec,
  lda: number,
  B: Uint16Array,
  ldb: number,
  C: Vec,
  ldc: number,
  accumulate: boolean,
  bias: Vec | null,
) => void;

/**
 * A gemm whose B is in Q8 blocks: `Bq` int8 values and `Bd` one float32 scale per 32 consecutive values of B's storage
 * (value i is Bq[i]·Bd[i >> 5], computed in float32), e.g. frozen base weights kept in 8 bits.
 */
export type GemmQ8B = (
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  A: Vec,
  lda: number,
  Bq: Int8Array,
  Bd: Float32Array,
  ldb: number,
  C: Vec,
  ldc: number,
  accumulate: boolean,
  bias: Vec | null,
) => void;

/** gemm with B in Q4 blocks (hf/model/q4-matrix.ts): Bq 16 bytes of 4-bit codes per 32 values, Bd a scale per 32. */
export type GemmQ4B = (
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  A: Vec,
  lda: number,
  Bq: Uint8Array,
  Bd: Float32Array,
  ldb: number,
  C: Vec,
  ldc: number,
  accumulate: boolean,
  bias: Vec | null,
) => void;

/**
 * GGUF block encoding: x[0, n) (n a multiple of the type's block) as blocks of ggml type `type` (Q5_0 6, Q8_0 8, Q4_K
 * 12, Q6_K 14) into out[0 …], the bytes llama.cpp reads (src/hf/gguf/k-quants.ts, q5-0.ts, q8-0.ts). Both
 * implementations give the same bytes.
 */
export type GgufQuantize = (type: number, x: Float32Array, n: number, out: Uint8Array) => void;

export interface Kernels {
  readonly name: string;
  alloc(n: number): Vec;
  /** C[M,N] = (accumulate ? C : 0) + op(A)[M,K]·op(B)[K,N] (+ bias). op = transpose when trans*. */
  gemm(
    transA: boolean,
    transB: boolean,
    M: number,
    N: number,
    K: number,
    A: Vec,
    lda: number,
    B: Vec,
    ldb: number,
    C: Vec,
    ldc: number,
    accumulate: boolean,
    bias: Vec | null,
  ): void;
  /**
   * gemm with B in bfloat16 (raw halves: frozen base weights kept as stored, half the memory and bandwidth); float32
   * arithmetic, B converted while packing. transB = true is y = x·Wᵀ for HF's [out, in] weights, false dX = dY·W.
   */
  gemmBf16B: GemmHalvesB;
  /** gemmBf16B with B in IEEE half (safetensors' F16: raw halves kept as stored), converted exactly while packing. */
  gemmF16B: GemmHalvesB;
  /** gemm with B in Q8 blocks (int8 values, a float32 scale per 32), widened to float32 while packing. */
  gemmQ8B: GemmQ8B;
  /** x[0, n) as Q8 blocks (hf/model/q8-matrix.ts): int8 codes into q, a float32 scale per 32 values into d. */
  q8Quantize(x: Float32Array, n: number, q: Int8Array, d: Float32Array): void;
  /** gemm with B in Q4 blocks (4-bit codes, a float32 scale per 32), widened to float32 while packing. */
  gemmQ4B: GemmQ4B;
  /** x[0, n) as Q4 blocks (hf/model/q4-matrix.ts): 16 bytes of codes and a float32 scale per 32 values. */
  q4Quantize(x: Float32Array, n: number, q: Uint8Array, d: Float32Array): void;
  layernormFwd(x: Vec, gamma: Vec, beta: Vec, out: Vec, mean: Vec, rstd: Vec, rows: number, d: number): void;
  layernormBwd(
    dout: Vec,
    x: Vec,
    gamma: Vec,
    mean: Vec,
    rstd: Vec,
    dx: Vec,
    dgamma: Vec,
    dbeta: Vec,
    rows: number,
    d: number,
    accumulateDx: boolean,
  ): void;
  geluFwd(x: Vec, out: Vec, n: number): void;
  geluBwd(x: Vec, dout: Vec, dx: Vec, n: number): void;
  colsum(x: Vec, rows: number, cols: number, out: Vec, accumulate: boolean): void;
  embedFwd(ids: Int32Array, tok: Vec, pos: Vec, out: Vec, B: number, T: number, d: number): void;
  embedBwd(ids: Int32Array, dout: Vec, dtok: Vec, dpos: Vec, B: number, T: number, d: number): void;
  attentionFwd(
    q: Vec,
    qs: number,
    k: Vec,
    v: Vec,
    kvs: number,
    out: Vec,
    os: number,
    P: Vec | null,
    B: number,
    H: number,
    Tq: number,
    Tk: number,
    hd: number,
    qOff: number,
    scale: number,
    /** Grouped-query attention: query head h reads kv head floor(h / (H / kvHeads)) at k/v columns kvh·hd (default H). */
    kvHeads?: number,
    /**
     * Sliding-window attention (Gemma 3's local layers, Hugging Face's sliding_window): the query at position p = qOff + i
     * sees only keys j with p − window < j ≤ p (itself and the window − 1 before it); the other keys' probabilities are
     * exactly 0 and the native kernels skip their products. undefined or 0: no window (every key j ≤ p).
     */
    window?: number,
    /**
     * Attention logit soft-capping (Gemma 2's attn_logit_softcapping): each score s = scale·q·k becomes
     * softcap·tanh(s / softcap) before the mask and the softmax (P holds the probabilities of the capped scores).
     * undefined or 0: no capping, the same bits as without the argument.
     */
    softcap?: number,
  ): void;
  attentionBwd(
    q: Vec,
    qs: number,
    k: Vec,
    v: Vec,
    kvs: number,
    /** null: recomputed from q and k. */
    P: Vec | null,
    dout: Vec,
    os: number,
    dq: Vec,
    dk: Vec,
    dv: Vec,
    dqs: number,
    B: number,
    H: number,
    T: number,
    hd: number,
    scale: number,
    /** Grouped-query attention (default H): dk/dv of a kv head are the sum over its query heads, in head order. */
    kvHeads?: number,
    /** The forward pass's sliding window (query i sees keys i − window < j ≤ i; undefined or 0: none). P, if given, is from it. */
    window?: number,
    /**
     * The forward pass's soft-cap (undefined or 0: none); P, if given, is from it. The scores' gradient is multiplied by
     * 1 − tanh²(s / softcap), s = scale·q·k recomputed from q and k.
     */
    softcap?: number,
  ): void;
  /**
   * Self-attention over a packed batch: example b is rows starts[b] .. starts[b] + lens[b] - 1 of q, k, v and out,
   * causal from position 0 within the example, attending to its own rows only (attentionFwd with B = 1 and qOff 0 on
   * each example's rows, every example's heads in one parallel region). With a sliding window, the query at position p
   * of its example sees that example's keys p − window < j ≤ p (undefined or 0: no window). softcap as attentionFwd's.
   */
  attentionFwdRows(
    q: Vec,
    qs: number,
    k: Vec,
    v: Vec,
    kvs: number,
    out: Vec,
    os: number,
    starts: Int32Array,
    lens: Int32Array,
    H: number,
    hd: number,
    scale: number,
    kvHeads?: number,
    window?: number,
    softcap?: number,
  ): void;
  /**
   * The backward of attentionFwdRows (the probabilities recomputed, with the same window and softcap): dq, dk, dv
   * overwritten on the examples' rows.
   */
  attentionBwdRows(
    q: Vec,
    qs: number,
    k: Vec,
    v: Vec,
    kvs: number,
    dout: Vec,
    os: number,
    dq: Vec,
    dk: Vec,
    dv: Vec,
    dqs: number,
    starts: Int32Array,
    lens: Int32Array,
    H: number,
    hd: number,
    scale: number,
    kvHeads?: number,
    window?: number,
    softcap?: number,
  ): void;
  crossEntropy(logits: Vec, targets: Int32Array, weights: Vec, losses: Vec, correct: Vec, rows: number, V: number, grad: boolean): void;
  adamw(
    p: Vec,
    g: Vec,
    m: Vec,
    v: Vec,
    n: number,
    lr: number,
    b1: number,
    b2: number,
    eps: number,
    wd: number,
    gscale: number,
    bc1: number,
    bc2: number,
  ): void;
  sumsq(x: Vec, n: number): number;
  /** out = (base ?? 0) + keep(seed, i) · x / (1 − p); the same mask for the same seed (see native). */
  dropout(x: Vec, base: Vec | null, out: Vec, n: number, p: number, seed: number): void;
  /** RMSNorm over the last dimension (HF: weight * (x * rsqrt(mean(x²) + eps)), computed in float32). Saves rstd per row. out may be x. */
  rmsnormFwd(x: Vec, gamma: Vec, out: Vec, rstd: Vec, rows: number, d: number, eps: number): void;
  /** dx (+)= RMSNorm backward; dgamma += sum over rows (fixed order). gamma may be shared across rows (per-head q/k norm: rows = T·heads, d = head_dim). */
  rmsnormBwd(dout: Vec, x: Vec, gamma: Vec, rstd: Vec, dx: Vec, dgamma: Vec | null, rows: number, d: number, accumulateDx: boolean): void;
  /**
   * Rotary embedding in place, HF rotate_half convention (pairs i and i+hd/2), on x laid out [B·T rows, stride], heads at
   * columns h·hd for h < nHeads; token t of each batch row block sits at position posOffset + t; cos/sin tables
   * [maxPos, rotaryDim/2] (computed by the caller, incl. llama3 scaling). inverse = rotate by −θ (the backward pass).
   * rotaryDim (even, ≤ hd; hd when absent): partial rotary (Phi-3's partial_rotary_factor) rotates pairs (i, i + rotaryDim/2)
   * for i < rotaryDim/2 and leaves each head's elements from rotaryDim on as they are.
   */
  rope(
    x: Vec,
    stride: number,
    B: number,
    T: number,
    nHeads: number,
    hd: number,
    posOffset: number,
    cos: Vec,
    sin: Vec,
    inverse: boolean,
    rotaryDim?: number,
  ): void;
  /** out = silu(gate) * up, elementwise over n. */
  swigluFwd(gate: Vec, up: Vec, out: Vec, n: number): void;
  /** dgate = dout * up * silu'(gate), dup = dout * silu(gate) (overwritten; may be gate / up themselves). */
  swigluBwd(gate: Vec, up: Vec, dout: Vec, dgate: Vec, dup: Vec, n: number): void;
  /** bf16 / f16 → f32 conversion (little-endian raw halves). */
  bf16ToF32(src: Uint16Array, dst: Float32Array, n: number): void;
  f16ToF32(src: Uint16Array, dst: Float32Array, n: number): void;
  /** out rows = table rows ids[i] (embedding lookup without positions). */
  gatherRows(ids: Int32Array, table: Vec, out: Vec, n: number, d: number): void;
  /** dtable[ids[i]] += dout[i] (fixed order, deterministic). */
  scatterAddRows(ids: Int32Array, dout: Vec, dtable: Vec, n: number, d: number): void;
  /**
   * ViT patch extraction (im2col, stride = kernel = P): nImg images [H, W, C] (channels last) → patch rows
   * [nImg·(H/P)·(W/P), P·P·C], grid row-major, each patch [py, px, c]. H and W multiples of P.
   */
  patchify(img: Vec, patches: Vec, nImg: number, H: number, W: number, C: number, P: number): void;
  /** Backward of patchify (a permutation): dimg is overwritten from dpatches. */
  unpatchify(dpatches: Vec, dimg: Vec, nImg: number, H: number, W: number, C: number, P: number): void;
  /** GGUF block encoding (the native addon: blocks in parallel, bit-identical to the reference). */
  ggufQuantize: GgufQuantize;
}
