/**
 * A decoder-only transformer (pre-LayerNorm, learned positions, tied embeddings, GELU MLP 4×):
 * parameters, gradients and per-layer views into them. The math is in forward.ts / backward.ts.
 */
import type { Kernels, Vec } from "../kernels/types.ts";
import type { Rng } from "../train/rng.ts";
import type { ModelSpec } from "../types.ts";
import { type Layout, layout } from "./layout.ts";
import { ATTENTION_PROBS_BUDGET_BYTES, type Workspace } from "./workspace.ts";

export interface LayerParams {
  wqkv: Vec;
  wo: Vec;
  w1: Vec;
  w2: Vec;
  ln1g: Vec;
  ln1b: Vec;
  bqkv: Vec;
  bo: Vec;
  ln2g: Vec;
  ln2b: Vec;
  b1: Vec;
  b2: Vec;
}

/** The patch-embedding front end of a vision model. */
export interface VisionParams {
  wpatch: Vec;
  wpos: Vec;
  bpatch: Vec;
}

export interface ParamViews {
  /** Present on vision models. */
  vision?: VisionParams;
  wte: Vec;
  wpe: Vec;
  lnfg: Vec;
  lnfb: Vec;
  layers: LayerParams[];
}

export class Transformer {
  readonly layout: Layout;
  readonly params: Vec;
  readonly grads: Vec;
  readonly p: ParamViews;
  readonly g: ParamViews;
  workspace: Workspace | undefined;
  /** Bytes of attention probabilities a forward pass may keep for the backward pass (`attentionProbs`); 0: recompute. */
  attentionProbsBudget = ATTENTION_PROBS_BUDGET_BYTES;

  constructor(
    readonly spec: ModelSpec,
    readonly k: Kernels,
    params?: Vec,
  ) {
    if (spec.dModel % spec.nHeads !== 0) throw new Error(`dModel ${spec.dModel} is not a multiple of nHeads ${spec.nHeads}`);
    this.layout = layout(spec);
    this.params = k.alloc(this.layout.size);
    if (params) {
      if (params.length !== this.layout.size) throw new Error(`weights have ${params.length} values, the model needs ${this.layout.size}`);
      this.params.set(params);
    }
    this.grads = k.alloc(this.layout.size);
    this.p = this.views(this.params);
    this.g = this.views(this.grads);
  }

  get headDim(): number {
    return this.spec.dModel / this.spec.nHeads;
  }

  /** Seeded random init: N(0, 0.02), residual projections scaled by 1/sqrt(2·layers), LayerNorm gains 1. */
  initialize(rng: Rng): void {
    const residualStd = 0.02 / Math.sqrt(2 * this.spec.nLayers);
    for (const t of this.layout.tensors) {
      for (let i = t.offset; i < t.offset + t.size; i++) {
        if (t.init === "normal") this.params[i] = rng.normal() * 0.02;
        else if (t.init === "residual") this.params[i] = rng.normal() * residualStd;
        else this.params[i] = t.init === "ones" ? 1 : 0;
      }
    }
  }

  private views(buf: Vec): ParamViews {
    const v = (name: string): Vec => {
      const t = this.layout.byName.get(name);
      if (!t) throw new Error(`no tensor ${name}`);
      return buf.subarray(t.offset, t.offset + t.size);
    };
    const layers: LayerParams[] = [];
    for (let l = 0; l < this.spec.nLayers; l++) {
      const n = (s: string) => v(`h${l}.${s}`);
      layers.push({
        wqkv: n("wqkv"),
        wo: n("wo"),
        w1: n("w1"),
        w2: n("w2"),
        ln1g: n("ln1g"),
        ln1b: n("ln1b"),
        bqkv: n("bqkv"),
        bo: n("bo"),
        ln2g: n("ln2g"),
        ln2b: n("ln2b"),
        b1: n("b1"),
        b2: n("b2"),
      });
    }
    const vision = this.spec.vision ? { wpatch: v("vis.wpatch"), wpos: v("vis.wpos"), bpatch: v("vis.bpatch") } : undefined;
    return { wte: v("wte"), wpe: v("wpe"), lnfg: v("lnfg"), lnfb: v("lnfb"), layers, ...(vision ? { vision } : {}) };
  }
}
