/**
 * Incremental decoding with a KV cache for one sequence: each call runs only the new tokens through
 * the model (attending to the cached keys/values of earlier positions) and returns the logits of
 * the last one.
 */
import type { Vec } from "../kernels/types.ts";
import { type ImageRows, patchEmbedFwd } from "../model/patch-embed.ts";
import type { Transformer } from "../model/transformer.ts";

export class Decoder {
  private readonly kCache: Vec[];
  private readonly vCache: Vec[];
  private readonly x: Vec;
  private readonly ln: Vec;
  private readonly mean: Vec;
  private readonly rstd: Vec;
  private readonly qkv: Vec;
  private readonly att: Vec;
  private readonly u: Vec;
  private readonly g: Vec;
  private readonly logits: Vec;
  /** Tokens in the cache. */
  position = 0;

  constructor(private readonly model: Transformer) {
    const { k, spec } = model;
    const n = spec.contextLength;
    const d = spec.dModel;
    this.kCache = Array.from({ length: spec.nLayers }, () => k.alloc(n * d));
    this.vCache = Array.from({ length: spec.nLayers }, () => k.alloc(n * d));
    this.x = k.alloc(n * d);
    this.ln = k.alloc(n * d);
    this.mean = k.alloc(n);
    this.rstd = k.alloc(n);
    this.qkv = k.alloc(n * 3 * d);
    this.att = k.alloc(n * d);
    this.u = k.alloc(n * 4 * d);
    this.g = k.alloc(n * 4 * d);
    this.logits = k.alloc(spec.vocabSize);
  }

  /** Feeds tokens at the current position; returns the next-token logits after the last one. `images` rows index `ids`. */
  feed(ids: readonly number[], images?: ImageRows): Vec {
    const { k, spec, p } = this.model;
    const n = ids.length;
    const d = spec.dModel;
    const pos = this.position;
    if (n === 0) throw new Error("feed() needs at least one token");
    if (pos + n > spec.contextLength) throw new Error(`context length ${spec.contextLength} exceeded`);
    const hd = this.model.headDim;
    for (let i = 0; i < n; i++) {
      const id = ids[i] as number;
      for (let j = 0; j < d; j++) this.x[i * d + j] = (p.wte[id * d + j] as number) + (p.wpe[(pos + i) * d + j] as number);
    }
    if (images && images.n > 0) patchEmbedFwd(this.model, images, this.x);
    for (let l = 0; l < spec.nLayers; l++) {
      const w = p.layers[l];
      const kc = this.kCache[l];
      const vc = this.vCache[l];
      if (!w || !kc || !vc) throw new Error("layer out of range");
      k.layernormFwd(this.x, w.ln1g, w.ln1b, this.ln, this.mean, this.rstd, n, d);
      k.gemm(false, false, n, 3 * d, d, this.ln, d, w.wqkv, 3 * d, this.qkv, 3 * d, false, w.bqkv);
      for (let i = 0; i < n; i++) {
        const row = this.qkv.subarray(i * 3 * d, (i + 1) * 3 * d);
        kc.set(row.subarray(d, 2 * d), (pos + i) * d);
        vc.set(row.subarray(2 * d, 3 * d), (pos + i) * d);
      }
      k.attentionFwd(this.qkv, 3 * d, kc, vc, d, this.att, d, null, 1, spec.nHeads, n, pos + n, hd, pos, 1 / Math.sqrt(hd));
      k.gemm(false, false, n, d, d, this.att, d, w.wo, d, this.x, d, true, w.bo);
      k.layernormFwd(this.x, w.ln2g, w.ln2b, this.ln, this.mean, this.rstd, n, d);
      k.gemm(false, false, n, 4 * d, d, this.ln, d, w.w1, 4 * d, this.u, 4 * d, false, w.b1);
      k.geluFwd(this.u, this.g, n * 4 * d);
      k.gemm(false, false, n, d, 4 * d, this.g, 4 * d, w.w2, d, this.x, d, true, w.b2);
    }
    const last = this.x.subarray((n - 1) * d, n * d);
    k.layernormFwd(last, p.lnfg, p.lnfb, this.ln, this.mean, this.rstd, 1, d);
    k.gemm(false, true, 1, spec.vocabSize, d, this.ln, d, p.wte, d, this.logits, spec.vocabSize, false, null);
    this.position = pos + n;
    return this.logits;
  }
}
