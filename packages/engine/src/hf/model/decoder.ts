/**
 * Incremental decoding of a Llama-family model (Llama, Qwen2/3, Mistral) with a KV cache, on the
 * engine's kernels. Per layer: RMSNorm → q/k/v projections (+ bias) → [q/k RMSNorm per head] → RoPE (not in SmolLM3's NoPE layers)
 * → grouped-query causal attention over the cache → o_proj added to the residual → RMSNorm →
 * SwiGLU MLP added to the residual; then the final RMSNorm and the output head. Gemma 3 (config.ts GemmaTraits):
 * scaled embeddings, GeGLU, each branch's output normalised before it is added, its own attention scale, and local
 * layers with a sliding window and their own RoPE tables.
 * A LoRA-tuned model's adapter is applied unmerged: y = x·Wᵀ + b + s·(x·Aᵀ)·Bᵀ, with W as loaded
 * (bf16 or float32) and only A and B in float32, so serving it costs no float32 copy of W.
 */
import type { Kernels, Vec } from "../../trainer/kernels/types.ts";
import {
  attentionScale,
  attentionSoftcap,
  attentionWindow,
  embeddingScale,
  finalSoftcap,
  type HfArchitecture,
  logitScale,
  residualScale,
  rotaryDim,
  usesRope,
} from "../config.ts";
import type { LoraParams } from "../lora/params.ts";
import { loraScale } from "../lora/settings.ts";
import type { LinearProjection } from "../tensor-names.ts";
import { gatedFwd } from "./gated-mlp.ts";
import { gatherRowsW, gemmW } from "./matrix.ts";
import type { CacheRows, PrefixCache } from "./prefix-cache.ts";
import type { RopeTables } from "./rope.ts";
import { capLogits } from "./softcap.ts";
import type { HfWeights, Linear } from "./weights.ts";

export interface DecoderModel {
  /** Prompt prefixes already read, for serving (model/prefix-cache.ts); absent: every prompt is read whole. */
  prefixes?: PrefixCache;
  arch: HfArchitecture;
  weights: HfWeights;
  rope: RopeTables;
  /** Gemma 3: the tables of the sliding-window layers (their own RoPE base); `rope` serves the others. */
  localRope?: RopeTables;
  k: Kernels;
  /** A LoRA adapter applied unmerged at every projection it adapts (the weights stay the base's). */
  lora?: LoraParams;
}

/** The RoPE tables of layer `l`: Gemma 3's sliding-window layers have their own. */
export function layerRope(m: DecoderModel, l: number): RopeTables {
  return m.localRope && attentionWindow(m.arch, l) > 0 ? m.localRope : m.rope;
}

/** v[0, n) *= s. */
export function scaleInPlace(v: Vec, n: number, s: number): void {
  for (let i = 0; i < n; i++) v[i] = (v[i] as number) * s;
}

/** y (+)= x·Wᵀ + b for M rows. */
export function linear(k: Kernels, lin: Linear, x: Vec, M: number, y: Vec, accumulate: boolean): void {
  gemmW(k, false, true, M, lin.out, lin.in, x, lin.in, lin.w, lin.in, y, lin.out, accumulate, lin.bias);
}

export class HfDecoder {
  private readonly kCache: Vec[];
  private readonly vCache: Vec[];
  private chunk = 0;
  private bufs!: ReturnType<HfDecoder["allocate"]>;
  /** Tokens in the cache. */
  position = 0;

  /** Bytes of its key/value cache (float32, every layer, `capacity` positions). */
  get cacheBytes(): number {
    return 2 * this.m.arch.layers * this.capacity * this.m.arch.kvHeads * this.m.arch.headDim * 4;
  }

  /** Bytes of `n` positions of its cache (what `rows(n)` copies). */
  rowBytes(n: number): number {
    return (this.cacheBytes / this.capacity) * n;
  }

  /** Copies of its cache's first `n` positions: every layer's keys and values (model/prefix-cache.ts). */
  rows(n: number): CacheRows {
    if (n > this.position) throw new Error(`rows(${n}) of a sequence of ${this.position} tokens`);
    const width = this.m.arch.kvHeads * this.m.arch.headDim;
    return { keys: this.kCache.map((c) => c.slice(0, n * width)), values: this.vCache.map((c) => c.slice(0, n * width)) };
  }

  /** Starts an empty sequence at position `n` from rows another sequence of this model computed for the same tokens. */
  resume(rows: CacheRows, n: number): void {
    if (this.position !== 0) throw new Error("resume() starts an empty sequence");
    if (n > this.capacity) throw new Error(`the sequence holds ${this.capacity} tokens; ${n} were resumed`);
    const width = this.m.arch.kvHeads * this.m.arch.headDim;
    for (let l = 0; l < this.kCache.length; l++) {
      this.kCache[l]?.set((rows.keys[l] as Vec).subarray(0, n * width));
      this.vCache[l]?.set((rows.values[l] as Vec).subarray(0, n * width));
    }
    this.position = n;
  }

  /** `capacity`: the most tokens this sequence will hold (prompt + completion). */
  constructor(
    private readonly m: DecoderModel,
    readonly capacity: number,
  ) {
    if (capacity > m.rope.positions) throw new Error(`capacity ${capacity} exceeds the RoPE table (${m.rope.positions})`);
    const kv = m.arch.kvHeads * m.arch.headDim;
    this.kCache = Array.from({ length: m.arch.layers }, () => m.k.alloc(capacity * kv));
    this.vCache = Array.from({ length: m.arch.layers }, () => m.k.alloc(capacity * kv));
  }

  private allocate(n: number) {
    const { k, arch: a } = this.m;
    const q = a.heads * a.headDim;
    const kv = a.kvHeads * a.headDim;
    return {
      x: k.alloc(n * a.hidden),
      h: k.alloc(n * a.hidden),
      rstd: k.alloc(n * Math.max(1, a.heads)),
      q: k.alloc(n * q),
      kk: k.alloc(n * kv),
      vv: k.alloc(n * kv),
      att: k.alloc(n * q),
      /** Gemma 3: the attention's or the MLP's output before its norm. */
      out: k.alloc(a.gemma || residualScale(a) !== 1 ? n * a.hidden : 0),
      gate: k.alloc(n * a.intermediate),
      up: k.alloc(n * a.intermediate),
      act: k.alloc(n * a.intermediate),
      /** s·x·Aᵀ of the adapter, [n, r]. */
      u: k.alloc(this.m.lora ? n * this.m.lora.settings.rank : 0),
    };
  }

  /** y (+)= x·Wᵀ + b (+ s·(x·Aᵀ)·Bᵀ where the adapter adapts this projection) for n rows. */
  private project(l: number, p: LinearProjection, x: Vec, n: number, y: Vec, accumulate: boolean): void {
    const { k, weights: w, lora } = this.m;
    const lin = w.layers[l]?.proj[p];
    if (!lin) throw new Error("layer out of range");
    linear(k, lin, x, n, y, accumulate);
    const slot = lora?.slot(l, p);
    if (!lora || !slot) return;
    const r = lora.settings.rank;
    const u = this.bufs.u;
    k.gemm(false, true, n, r, lin.in, x, lin.in, lora.A(slot), lin.in, u, r, false, null);
    const s = loraScale(lora.settings);
    for (let i = 0; i < n * r; i++) u[i] = (u[i] as number) * s;
    k.gemm(false, true, n, lin.out, r, u, r, lora.B(slot), r, y, lin.out, true, null);
  }

  /** x += p(input), with Gemma's output norm x += norm(p(input)), with Granite's residual multiplier x += m·p(input). */
  private residual(l: number, p: LinearProjection, input: Vec, outNorm: Vec | null, n: number): void {
    const b = this.bufs;
    const { k, arch: a } = this.m;
    const scale = residualScale(a);
    if (!outNorm && scale === 1) {
      this.project(l, p, input, n, b.x, true);
      return;
    }
    const d = a.hidden;
    this.project(l, p, input, n, b.out, false);
    if (outNorm) k.rmsnormFwd(b.out, outNorm, b.out, b.rstd, n, d, a.rmsEps);
    for (let i = 0; i < n * d; i++) b.x[i] = (b.x[i] as number) + scale * (b.out[i] as number);
  }

  /**
   * Feeds tokens at the current position and returns next-token logits: of the last token
   * ([vocab]), or of every fed token ([n, vocab]) when `all` is set.
   */
  feed(ids: readonly number[], all = false): Float32Array {
    const n = ids.length;
    const d = this.m.arch.hidden;
    const x = this.layers([{ dec: this, ids }]);
    return all ? this.head(x, n) : this.head(x.subarray((n - 1) * d, n * d), 1);
  }

  /** Next-token logits [rows, vocab] of residual-stream rows: the final norm, the output head, Granite's scale, Gemma 2's cap. */
  private head(x: Vec, rows: number): Float32Array {
    const { k, arch: a, weights: w } = this.m;
    const d = a.hidden;
    const b = this.bufs;
    k.rmsnormFwd(x, w.norm, b.h, b.rstd, rows, d, a.rmsEps);
    const logits = new Float32Array(rows * a.vocab);
    gemmW(k, false, true, rows, a.vocab, d, b.h, d, w.lmHead, d, logits, a.vocab, false, null);
    const scale = logitScale(a);
    if (scale !== 1) scaleInPlace(logits, logits.length, scale);
    capLogits(logits, finalSoftcap(a));
    return logits;
  }

  /** Feeds tokens at the current position and returns their final hidden states ([n, hidden], after the final norm). */
  states(ids: readonly number[]): Float32Array {
    const { k, arch: a, weights: w } = this.m;
    const n = ids.length;
    const x = this.layers([{ dec: this, ids }]);
    const out = new Float32Array(n * a.hidden);
    k.rmsnormFwd(x, w.norm, out, this.bufs.rstd, n, a.hidden, a.rmsEps);
    return out;
  }

  /**
   * Feeds one token to each of several sequences of the same model at their own positions, the projections and the MLP
   * of all rows computed together (a decoding step of a batch of requests: the weights are read once for all of them),
   * the attention of each row over its own cache. Returns each sequence's next-token logits, as `feed([id])` would.
   */
  static feedBatch(decoders: readonly HfDecoder[], ids: readonly number[]): Float32Array[] {
    const first = decoders[0];
    if (!first || decoders.length !== ids.length) throw new Error("feedBatch() needs one token for each decoder");
    if (decoders.some((dec) => dec.m !== first.m)) throw new Error("feedBatch() decodes sequences of one model");
    const vocab = first.m.arch.vocab;
    const x = first.layers(decoders.map((dec, i) => ({ dec, ids: [ids[i] as number] })));
    const logits = first.head(x, decoders.length);
    return decoders.map((_, i) => logits.slice(i * vocab, (i + 1) * vocab));
  }

  /**
   * Runs the layers on segments of tokens, each fed to its sequence at that sequence's current position (one segment:
   * a prompt or a token of this sequence; several: a step of a batch, feedBatch). Rows are the segments' tokens one after
   * another; norms, projections and the MLP run on all rows at once, RoPE, the cache and attention per segment. Returns
   * the residual stream [rows, hidden] (this decoder's buffer, reused by the next call).
   */
  private layers(segments: ReadonlyArray<{ dec: HfDecoder; ids: readonly number[] }>): Vec {
    const { k, arch: a, weights: w } = this.m;
    const all = segments.flatMap((seg) => seg.ids);
    const n = all.length;
    if (n === 0 || segments.some((seg) => seg.ids.length === 0)) throw new Error("feed() needs at least one token");
    for (const { dec, ids } of segments)
      if (dec.position + ids.length > dec.capacity)
        throw new Error(`the sequence holds ${dec.capacity} tokens; ${dec.position + ids.length} were fed`);
    if (n > this.chunk) {
      this.bufs = this.allocate(n);
      this.chunk = n;
    }
    const b = this.bufs;
    const d = a.hidden;
    const hd = a.headDim;
    const rd = rotaryDim(a);
    const qw = a.heads * hd;
    const kvw = a.kvHeads * hd;
    gatherRowsW(k, Int32Array.from(all), w.embed, b.x, n, d);
    const embedScale = embeddingScale(a);
    if (embedScale !== 1) scaleInPlace(b.x, n * d, embedScale);
    const scale = attentionScale(a);
    const softcap = attentionSoftcap(a);
    for (let l = 0; l < a.layers; l++) {
      const L = w.layers[l];
      if (!L) throw new Error("layer out of range");
      k.rmsnormFwd(b.x, L.inputNorm, b.h, b.rstd, n, d, a.rmsEps);
      this.project(l, "q_proj", b.h, n, b.q, false);
      this.project(l, "k_proj", b.h, n, b.kk, false);
      this.project(l, "v_proj", b.h, n, b.vv, false);
      if (L.qNorm && L.kNorm) {
        k.rmsnormFwd(b.q, L.qNorm, b.q, b.rstd, n * a.heads, hd, a.rmsEps);
        k.rmsnormFwd(b.kk, L.kNorm, b.kk, b.rstd, n * a.kvHeads, hd, a.rmsEps);
      }
      let row = 0;
      for (const { dec, ids } of segments) {
        const t = ids.length;
        const pos = dec.position;
        const kc = dec.kCache[l];
        const vc = dec.vCache[l];
        if (!kc || !vc) throw new Error("layer out of range");
        const q = b.q.subarray(row * qw, (row + t) * qw);
        const kk = b.kk.subarray(row * kvw, (row + t) * kvw);
        if (usesRope(a, l)) {
          const rope = layerRope(this.m, l);
          k.rope(q, qw, 1, t, a.heads, hd, pos, rope.cos, rope.sin, false, rd);
          k.rope(kk, kvw, 1, t, a.kvHeads, hd, pos, rope.cos, rope.sin, false, rd);
        }
        kc.set(kk, pos * kvw);
        vc.set(b.vv.subarray(row * kvw, (row + t) * kvw), pos * kvw);
        const att = b.att.subarray(row * qw, (row + t) * qw);
        k.attentionFwd(
          q,
          qw,
          kc,
          vc,
          kvw,
          att,
          qw,
          null,
          1,
          a.heads,
          t,
          pos + t,
          hd,
          pos,
          scale,
          a.kvHeads,
          attentionWindow(a, l),
          softcap,
        );
        row += t;
      }
      this.residual(l, "o_proj", b.att, L.attnOutNorm ?? null, n);
      k.rmsnormFwd(b.x, L.postNorm, b.h, b.rstd, n, d, a.rmsEps);
      this.project(l, "gate_proj", b.h, n, b.gate, false);
      this.project(l, "up_proj", b.h, n, b.up, false);
      gatedFwd(k, a, b.gate, b.up, b.act, n * a.intermediate);
      this.residual(l, "down_proj", b.act, L.mlpOutNorm ?? null, n);
    }
    for (const { dec, ids } of segments) dec.position += ids.length;
    return b.x;
  }
}
