/**
 * All parameters live in one flat buffer (so AdamW, clipping and checkpoints are one call each).
 * Decayed matrices come first, then the vectors that are not decayed (biases, LayerNorm gains).
 * Weights are stored [in, out] row-major; the token embedding [vocab, d] doubles as the output
 * projection (tied embeddings).
 */
import type { ModelSpec } from "../types.ts";
import { patchDim } from "../vision/spec.ts";

export interface TensorSlot {
  name: string;
  offset: number;
  size: number;
  shape: number[];
  init: "normal" | "residual" | "zeros" | "ones";
}

export interface Layout {
  tensors: TensorSlot[];
  byName: Map<string, TensorSlot>;
  size: number;
  /** Parameters [0, decayed) get weight decay. */
  decayed: number;
}

export function layout(spec: Omit<ModelSpec, "name">): Layout {
  const { vocabSize: V, dModel: d, nLayers: L, contextLength: ctx } = spec;
  const tensors: TensorSlot[] = [];
  let offset = 0;
  const add = (name: string, shape: number[], init: TensorSlot["init"]) => {
    const size = shape.reduce((a, b) => a * b, 1);
    tensors.push({ name, offset, size, shape, init });
    offset += size;
  };
  add("wte", [V, d], "normal");
  add("wpe", [ctx, d], "normal");
  for (let l = 0; l < L; l++) {
    add(`h${l}.wqkv`, [d, 3 * d], "normal");
    add(`h${l}.wo`, [d, d], "residual");
    add(`h${l}.w1`, [d, 4 * d], "normal");
    add(`h${l}.w2`, [4 * d, d], "residual");
  }
  // A vision model's patch projection and image positions (text-only models keep their layout).
  if (spec.vision) {
    add("vis.wpatch", [patchDim(spec.vision), d], "normal");
    add("vis.wpos", [spec.vision.maxPatches, d], "normal");
  }
  const decayed = offset;
  for (let l = 0; l < L; l++) {
    add(`h${l}.ln1g`, [d], "ones");
    add(`h${l}.ln1b`, [d], "zeros");
    add(`h${l}.bqkv`, [3 * d], "zeros");
    add(`h${l}.bo`, [d], "zeros");
    add(`h${l}.ln2g`, [d], "ones");
    add(`h${l}.ln2b`, [d], "zeros");
    add(`h${l}.b1`, [4 * d], "zeros");
    add(`h${l}.b2`, [d], "zeros");
  }
  add("lnfg", [d], "ones");
  add("lnfb", [d], "zeros");
  if (spec.vision) add("vis.bpatch", [d], "zeros");
  return { tensors, byName: new Map(tensors.map((t) => [t.name, t])), size: offset, decayed };
}

export function paramCount(spec: Omit<ModelSpec, "name">): number {
  return layout(spec).size;
}
