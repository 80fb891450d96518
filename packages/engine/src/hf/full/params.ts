/**
 * Full fine-tuning: every weight of the model trainable, as float32 views into one flat vector (for
 * AdamW, clipping and checkpoints), with a same-shaped gradient vector. Tensors are laid out in the
 * order of the checkpoint's expected tensors; tied embeddings are one tensor (the head is the embedding).
 */
import type { Kernels, Vec } from "../../trainer/kernels/types.ts";
import type { HfArchitecture } from "../config.ts";
import { toF32 } from "../model/matrix.ts";
import type { HfWeights, LayerWeights, Linear } from "../model/weights.ts";
import { expectedTensors, LINEAR_PROJECTIONS, type LinearProjection, projectionPath } from "../tensor-names.ts";

export interface FullLayout {
  tensors: Array<{ name: string; shape: number[]; offset: number; size: number }>;
  size: number;
}

export function fullLayout(arch: HfArchitecture): FullLayout {
  let offset = 0;
  const tensors = expectedTensors(arch).map((t) => {
    const size = t.shape.reduce((a, b) => a * b, 1);
    const entry = { ...t, offset, size };
    offset += size;
    return entry;
  });
  return { tensors, size: offset };
}

/** Views of a flat vector as HfWeights (for the parameters or for their gradients). */
export function weightViews(arch: HfArchitecture, layout: FullLayout, flat: Vec): HfWeights {
  const at = new Map(layout.tensors.map((t) => [t.name, flat.subarray(t.offset, t.offset + t.size)]));
  const get = (name: string): Vec => {
    const v = at.get(name);
    if (!v) throw new Error(`no tensor ${name}`);
    return v;
  };
  const layers: LayerWeights[] = Array.from({ length: arch.layers }, (_, l) => {
    const proj = Object.fromEntries(
      LINEAR_PROJECTIONS.map((p): [LinearProjection, Linear] => {
        const shape = layout.tensors.find((t) => t.name === `${projectionPath(l, p)}.weight`)?.shape ?? [0, 0];
        return [
          p,
          {
            out: shape[0] as number,
            in: shape[1] as number,
            w: get(`${projectionPath(l, p)}.weight`),
            bias: at.get(`${projectionPath(l, p)}.bias`) ?? null,
          },
        ];
      }),
    ) as Record<LinearProjection, Linear>;
    return {
      inputNorm: get(`model.layers.${l}.input_layernorm.weight`),
      postNorm: get(`model.layers.${l}.post_attention_layernorm.weight`),
      proj,
      qNorm: at.get(`model.layers.${l}.self_attn.q_norm.weight`) ?? null,
      kNorm: at.get(`model.layers.${l}.self_attn.k_norm.weight`) ?? null,
    };
  });
  const embed = get("model.embed_tokens.weight");
  return { embed, layers, norm: get("model.norm.weight"), lmHead: arch.tiedEmbeddings ? embed : get("lm_head.weight") };
}

/** Copies loaded weights (float32 or bf16) into a flat float32 vector laid out by `layout`. */
export function flatten(k: Kernels, arch: HfArchitecture, layout: FullLayout, weights: HfWeights): Vec {
  const flat = k.alloc(layout.size);
  const views = weightViews(arch, layout, flat);
  const copy = (to: Vec, from: Parameters<typeof toF32>[1]) => to.set(toF32(k, from));
  copy(views.embed as Vec, weights.embed);
  copy(views.norm, weights.norm);
  if (!arch.tiedEmbeddings) copy(views.lmHead as Vec, weights.lmHead);
  weights.layers.forEach((L, l) => {
    const V = views.layers[l] as LayerWeights;
    copy(V.inputNorm, L.inputNorm);
    copy(V.postNorm, L.postNorm);
    if (L.qNorm && V.qNorm) copy(V.qNorm, L.qNorm);
    if (L.kNorm && V.kNorm) copy(V.kNorm, L.kNorm);
    for (const p of LINEAR_PROJECTIONS) {
      copy(V.proj[p].w as Vec, L.proj[p].w);
      const b = L.proj[p].bias;
      const vb = V.proj[p].bias;
      if (b && vb) copy(vb, b);
    }
  });
  return flat;
}
