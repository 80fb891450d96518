/**
 * Full fine-tuning: every weight of the model trainable, as float32 views into one flat vector (for
 * AdamW, clipping and checkpoints), with a same-shaped gradient vector. Tensors are laid out in the
 * order of the checkpoint's expected tensors; tied embeddings are one tensor (the head is the embedding).
 */
import type { Kernels, Vec } from "../../trainer/kernels/types.ts";
import { type HfArchitecture, normShift } from "../config.ts";
import { toF32 } from "../model/matrix.ts";
import type { HfWeights, LayerWeights, Linear } from "../model/weights.ts";
import {
  expectedTensors,
  type LayerNormRole,
  LINEAR_PROJECTIONS,
  type LinearProjection,
  layerNorms,
  storedLinears,
} from "../tensor-names.ts";

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
    // each projection views its rows of the tensor that stores it (Phi-3 stacks q/k/v and gate/up)
    const proj = Object.fromEntries(
      storedLinears(arch, l).flatMap((t) => {
        const w = get(`${t.path}.weight`);
        const bias = at.get(`${t.path}.bias`);
        const [, inn] = t.shape;
        return t.parts.map(({ projection, rowOffset, rows }): [LinearProjection, Linear] => [
          projection,
          {
            out: rows,
            in: inn,
            w: w.subarray(rowOffset * inn, (rowOffset + rows) * inn),
            bias: bias ? bias.subarray(rowOffset, rowOffset + rows) : null,
          },
        ]);
      }),
    ) as Record<LinearProjection, Linear>;
    const norms = Object.fromEntries(layerNorms(arch, l).map((n) => [n.role, get(n.name)])) as Partial<Record<LayerNormRole, Vec>>;
    return {
      inputNorm: norms.inputNorm as Vec,
      postNorm: norms.postNorm as Vec,
      proj,
      qNorm: norms.qNorm ?? null,
      kNorm: norms.kNorm ?? null,
      ...(arch.gemma ? { attnOutNorm: norms.attnOutNorm ?? null, mlpOutNorm: norms.mlpOutNorm ?? null } : {}),
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
    for (const { role } of layerNorms(arch, l)) {
      const from = L[role];
      const to = V[role];
      if (from && to) copy(to, from);
    }
    for (const p of LINEAR_PROJECTIONS) {
      copy(V.proj[p].w as Vec, L.proj[p].w);
      const b = L.proj[p].bias;
      const vb = V.proj[p].bias;
      if (b && vb) copy(vb, b);
    }
  });
  return flat;
}

/**
 * The flat parameters as the checkpoint stores them, tensor by tensor: norms shifted back (Gemma stores w where the
 * engine holds 1 + w; normShift), everything else as held.
 */
export function storedTensors(arch: HfArchitecture, layout: FullLayout, params: Vec): Array<{ name: string; shape: number[]; data: Vec }> {
  const shift = normShift(arch);
  const norms = new Set(
    shift === 0
      ? []
      : ["model.norm.weight", ...Array.from({ length: arch.layers }, (_, l) => layerNorms(arch, l).map((n) => n.name)).flat()],
  );
  return layout.tensors.map((t) => {
    const data = params.subarray(t.offset, t.offset + t.size);
    return { name: t.name, shape: t.shape, data: norms.has(t.name) ? Float32Array.from(data, (x) => x - shift) : data };
  });
}
