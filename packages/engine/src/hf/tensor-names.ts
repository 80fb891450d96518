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

/** Where a layer's norm acts, as the engine's LayerWeights name it. */
export type LayerNormRole = "inputNorm" | "postNorm" | "attnOutNorm" | "mlpOutNorm" | "qNorm" | "kNorm";

/**
 * A layer's norm weights: the engine's role and the checkpoint's name, [hidden] or [head_dim] each. `postNorm` is the
 * MLP's input norm: Llama's `post_attention_layernorm`, Gemma's `pre_feedforward_layernorm` (Gemma's
 * `post_attention_layernorm` normalises the attention's output: `attnOutNorm`).
 */
export function layerNorms(a: HfArchitecture, l: number): Array<{ role: LayerNormRole; name: string; size: number }> {
  const pre = `model.layers.${l}`;
  const norms: Array<{ role: LayerNormRole; name: string; size: number }> = [
    { role: "inputNorm", name: `${pre}.input_layernorm.weight`, size: a.hidden },
  ];
  if (a.gemma)
    norms.push(
      { role: "attnOutNorm", name: `${pre}.post_attention_layernorm.weight`, size: a.hidden },
      { role: "postNorm", name: `${pre}.pre_feedforward_layernorm.weight`, size: a.hidden },
      { role: "mlpOutNorm", name: `${pre}.post_feedforward_layernorm.weight`, size: a.hidden },
    );
  else norms.push({ role: "postNorm", name: `${pre}.post_attention_layernorm.weight`, size: a.hidden });
  if (a.qkNorm)
    norms.push(
      { role: "qNorm", name: `${pre}.self_attn.q_norm.weight`, size: a.headDim },
      { role: "kNorm", name: `${pre}.self_attn.k_norm.weight`, size: a.headDim },
    );
  return norms;
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

/** Phi-3's stacked projections: each checkpoint tensor holds its parts' rows, one after the other, in this order. */
const STACKS = [
  { name: "qkv_proj", module: "self_attn", parts: ["q_proj", "k_proj", "v_proj"] },
  { name: "gate_up_proj", module: "mlp", parts: ["gate_proj", "up_proj"] },
] as const satisfies ReadonlyArray<{ name: string; module: string; parts: readonly LinearProjection[] }>;

/** A linear weight tensor of the checkpoint: one projection's, or (Phi-3) several stacked by rows. */
export interface StoredLinear {
  /** The module path (`model.layers.L.self_attn.qkv_proj`); the tensor is `${path}.weight`. */
  path: string;
  /** [sum of the parts' rows, in]. */
  shape: [number, number];
  /** The engine's projections it holds, with the first row of each. */
  parts: Array<{ projection: LinearProjection; rowOffset: number; rows: number }>;
}

/**
 * Layer `l`'s linear weight tensors as the checkpoint stores them: one per projection, in LINEAR_PROJECTIONS' order, or
 * for Phi-3 (`stackedProjections`) `qkv_proj` (q, k, v rows), `o_proj`, `gate_up_proj` (gate, up rows), `down_proj`.
 */
export function storedLinears(a: HfArchitecture, l: number): StoredLinear[] {
  const single = (p: LinearProjection): StoredLinear => {
    const shape = projectionShape(a, p);
    return { path: projectionPath(l, p), shape, parts: [{ projection: p, rowOffset: 0, rows: shape[0] }] };
  };
  if (!a.stackedProjections) return LINEAR_PROJECTIONS.map(single);
  const stacked = (stack: (typeof STACKS)[number]): StoredLinear => {
    let rowOffset = 0;
    const parts = stack.parts.map((projection) => {
      const rows = projectionShape(a, projection)[0];
      const part = { projection, rowOffset, rows };
      rowOffset += rows;
      return part;
    });
    return { path: `model.layers.${l}.${stack.module}.${stack.name}`, shape: [rowOffset, a.hidden], parts };
  };
  const [qkv, gateUp] = STACKS;
  return [stacked(qkv), single("o_proj"), stacked(gateUp), single("down_proj")];
}

export function expectedTensors(a: HfArchitecture): ExpectedTensor[] {
  const out: ExpectedTensor[] = [{ name: "model.embed_tokens.weight", shape: [a.vocab, a.hidden] }];
  for (let l = 0; l < a.layers; l++) {
    const norms = layerNorms(a, l);
    const isQk = (n: (typeof norms)[number]) => n.role === "qNorm" || n.role === "kNorm";
    for (const n of norms) if (!isQk(n)) out.push({ name: n.name, shape: [n.size] });
    for (const t of storedLinears(a, l)) out.push({ name: `${t.path}.weight`, shape: t.shape });
    if (a.qkvBias)
      for (const p of ["q_proj", "k_proj", "v_proj"] as const)
        out.push({ name: `${projectionPath(l, p)}.bias`, shape: [projectionShape(a, p)[0]] });
    if (a.oBias) out.push({ name: `${projectionPath(l, "o_proj")}.bias`, shape: [a.hidden] });
    for (const n of norms) if (isQk(n)) out.push({ name: n.name, shape: [n.size] });
  }
  out.push({ name: "model.norm.weight", shape: [a.hidden] });
  if (!a.tiedEmbeddings) out.push({ name: "lm_head.weight", shape: [a.vocab, a.hidden] });
  return out;
}
