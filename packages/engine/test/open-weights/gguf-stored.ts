/**
 * A decoder with its weights as a GGUF file stores them: what llama.cpp computes with, so comparing llama.cpp with the
 * engine on this model leaves only llama.cpp's own arithmetic (its rounding of activations in quantized products).
 */

import { decodeTensor } from "../../src/hf/gguf/decode.ts";
import { encodeTensor } from "../../src/hf/gguf/encode.ts";
import { type GgufDtype, ggufLinears, modelTensors } from "../../src/hf/gguf/model-tensors.ts";
import type { DecoderModel } from "../../src/hf/model/decoder.ts";
import { type Matrix, storedOnly } from "../../src/hf/model/matrix.ts";
import { LINEAR_PROJECTIONS } from "../../src/hf/tensor-names.ts";
import type { Vec } from "../../src/trainer/kernels/types.ts";

/**
 * The model with each matrix replaced by its values as the GGUF file of `dtype` stores them. A projection stacked with
 * others in the file (Phi-3's attn_qkv, ffn_up) takes the stacked matrix's type; its rows round as they would alone,
 * since every type's blocks lie within a row.
 */
export function asStored(model: DecoderModel, dtype: GgufDtype): DecoderModel {
  const types = new Map(modelTensors(model, dtype).map((t) => [t.name, t.type]));
  const { weights: w, arch } = model;
  // each projection's matrix in the file
  const fileName = new Map<string, string>();
  for (let l = 0; l < arch.layers; l++)
    for (const t of ggufLinears(arch, l)) for (const part of t.parts) fileName.set(`${l}.${part.projection}`, t.name);
  const round = (name: string, w: Matrix): Vec => {
    const type = types.get(name);
    if (!type) throw new Error(`no tensor ${name}`);
    const out = model.k.alloc(w.length);
    out.set(decodeTensor(type, encodeTensor(type, storedOnly(w)), w.length));
    return out;
  };
  const embed = round("token_embd.weight", w.embed);
  const layers = w.layers.map((L, l) => ({
    ...L,
    proj: Object.fromEntries(
      LINEAR_PROJECTIONS.map((p) => [p, { ...L.proj[p], w: round(fileName.get(`${l}.${p}`) ?? "", L.proj[p].w) }]),
    ) as typeof L.proj,
  }));
  return { ...model, weights: { ...w, embed, layers, lmHead: arch.tiedEmbeddings ? embed : round("output.weight", w.lmHead) } };
}
