import { LORA_TARGET_MODULES, type LoraTargetModule } from "@tunelab/contracts";
/**
 * The tensors a Hugging Face checkpoint of a supported architecture holds: names as the
 * `*ForCausalLM` classes save them, shapes as [out, in] for linear layers (PyTorch's convention).
 */
import type { HfArchitecture } from "./config.ts";

export interface ExpectedTensor {
  name: string;
  shape: number[];
}

/** PEFT's names of the projections LoRA wraps (the one list, in `@tunelab/contracts`). */
export const LINEAR_PROJECTIONS = LORA_TARGET_MODULES;
export type LinearProjection = LoraTargetModule;

const MLP_PROJECTIONS: ReadonlySet<LinearProjection> = new Set(["gate_proj", "up_proj", "down_proj"]);

/** The module path of a projection in layer `l` (PEFT and the checkpoint use the same). */
export function projectionPath(l: number, p: LinearProjection): string {
  return `model.layers.${l}.${MLP_PROJECTIONS.has(p) ? "mlp" : "self_attn"}.${p}`;
}

/** [out, in] of each projection. */
export function projectionShape(a: HfArchitecture, p: LinearProjection): [number, number] {
  const q = a.heads * a.headDim;
  const kv = a.kvHeads * a.headDim;
  switch (p) {
    case "q_proj":
      return [q, a.hidden];
    case "k_proj":
    case "v_proj":
      return [kv, a.hidden];
    case "o_proj":
      return [a.hidden, q];
    case "gate_proj":
    case "up_proj":
      return [a.intermediate, a.hidden];
    case "down_proj":
      return [a.hidden, a.intermediate];
  }
}

export function expectedTensors(a: HfArchitecture): ExpectedTensor[] {
  const out: ExpectedTensor[] = [{ name: "model.embed_tokens.weight", shape: [a.vocab, a.hidden] }];
  for (let l = 0; l < a.layers; l++) {
    const pre = `model.layers.${l}`;
    out.push({ name: `${pre}.input_layernorm.weight`, shape: [a.hidden] });
    out.push({ name: `${pre}.post_attention_layernorm.weight`, shape: [a.hidden] });
    for (const p of LINEAR_PROJECTIONS) out.push({ name: `${projectionPath(l, p)}.weight`, shape: projectionShape(a, p) });
    if (a.qkvBias)
      for (const p of ["q_proj", "k_proj", "v_proj"] as const)
        out.push({ name: `${projectionPath(l, p)}.bias`, shape: [projectionShape(a, p)[0]] });
    if (a.oBias) out.push({ name: `${projectionPath(l, "o_proj")}.bias`, shape: [a.hidden] });
    if (a.qkNorm) {
      out.push({ name: `${pre}.self_attn.q_norm.weight`, shape: [a.headDim] });
      out.push({ name: `${pre}.self_attn.k_norm.weight`, shape: [a.headDim] });
    }
  }
  out.push({ name: "model.norm.weight", shape: [a.hidden] });
  if (!a.tiedEmbeddings) out.push({ name: "lm_head.weight", shape: [a.vocab, a.hidden] });
  return out;
}
