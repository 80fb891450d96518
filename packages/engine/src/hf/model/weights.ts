/**
 * The weights of a Hugging Face checkpoint in memory: matrices as stored when bf16 or f16 (two bytes a value), vectors
 * and float32 checkpoints as float32; or, on request, every matrix in 8-bit Q8 blocks.
 * Linear layers keep PyTorch's [out, in] layout: y = x·Wᵀ + b is a gemm with B transposed, so
 * nothing is transposed on load.
 */
import type { Kernels, Vec } from "../../trainer/kernels/types.ts";
import type { HfCheckpoint } from "../checkpoint.ts";
import { type HfArchitecture, normShift } from "../config.ts";
import { readTensorBytes, readTensorF32, type TensorEntry } from "../safetensors.ts";
import { type LayerNormRole, type LinearProjection, layerNorms, storedLinears } from "../tensor-names.ts";
import { F16Matrix, type Matrix, rowBlock, type StoredMatrix, toQ4, toQ8 } from "./matrix.ts";

export interface Linear {
  out: number;
  in: number;
  /** [out, in] row-major (float32, or bf16 / f16 as stored). */
  w: Matrix;
  bias: Vec | null;
}

export interface LayerWeights {
  inputNorm: Vec;
  /** The MLP's input norm (Llama's post_attention_layernorm, Gemma's pre_feedforward_layernorm). */
  postNorm: Vec;
  proj: Record<LinearProjection, Linear>;
  /** Qwen3, Gemma 3: RMSNorm weights over head_dim for q and k. */
  qNorm: Vec | null;
  kNorm: Vec | null;
  /** Gemma 3: norms of the attention's and the MLP's outputs before the residual adds them (absent: none). */
  attnOutNorm?: Vec | null;
  mlpOutNorm?: Vec | null;
}

export interface HfWeights {
  /** [vocab, hidden] */
  embed: Matrix;
  layers: LayerWeights[];
  norm: Vec;
  /** [vocab, hidden]; the same array as `embed` when the embeddings are tied. */
  lmHead: Matrix;
}

/**
 * How the base's matrices are held: `as_stored` (bf16 / f16 as the checkpoint stores them, else float32), `q8_0`
 * (every matrix, the embedding and output head included, quantized to 8-bit Q8 blocks as it is read: about half of
 * bf16's memory; see q8-matrix.ts), or `q4_0` (the same in 4-bit Q4 blocks, about a third; q4-matrix.ts).
 */
export const BASE_WEIGHTS = ["as_stored", "q8_0", "q4_0"] as const;
export type BaseWeights = (typeof BASE_WEIGHTS)[number];
/** A base held in blocks (not as stored): what a LoRA adapter records it trained on. */
export type QuantizedBaseWeights = Exclude<BaseWeights, "as_stored">;

export interface LoadWeightsOptions {
  /** Keep bf16 / f16 matrices as stored (default), else widen them to float32. */
  keepHalves?: boolean;
  /** `q8_0` / `q4_0` quantize every matrix as it is read (needs `k`); default `as_stored`. */
  weights?: BaseWeights;
  k?: Kernels;
}

/** Vectors (norms, biases) as float32; matrices as stored when bf16 or f16 (`keepHalves`), else float32, or Q8 blocks. */
export function loadHfWeights(ckpt: HfCheckpoint, options: LoadWeightsOptions = {}): HfWeights {
  const keepHalves = options.keepHalves ?? true;
  const { k } = options;
  const held = options.weights ?? "as_stored";
  if (held !== "as_stored" && !k) throw new Error(`loadHfWeights: ${held} weights need the kernels (bug)`);
  const locate = (name: string) => {
    const t = ckpt.tensors.get(name);
    if (!t) throw new Error(`tensor ${name} missing (the checkpoint was inspected, so this is a bug)`);
    return t;
  };
  const read = (name: string): Float32Array => {
    const t = locate(name);
    return readTensorF32(t.file, t.entry);
  };
  const hold = (stored: StoredMatrix): Matrix => {
    if (!k || held === "as_stored") return stored;
    return held === "q8_0" ? toQ8(k, stored) : toQ4(k, stored);
  };
  const matrix = (name: string): Matrix => hold(storedMatrix(name));
  const storedMatrix = (name: string): StoredMatrix => {
    const t = locate(name);
    return readStoredMatrix(t.file, t.entry, keepHalves);
  };
  const has = (name: string) => ckpt.tensors.has(name);
  const a = ckpt.arch;
  // each projection's rows of the tensor that stores it (its own, or Phi-3's stacked qkv_proj / gate_up_proj)
  const linears = (l: number): Record<LinearProjection, Linear> => {
    const proj: Partial<Record<LinearProjection, Linear>> = {};
    for (const t of storedLinears(a, l)) {
      const [, inn] = t.shape;
      const stored = storedMatrix(`${t.path}.weight`);
      const bias = has(`${t.path}.bias`) && t.parts.some((part) => hasBias(a, part.projection)) ? read(`${t.path}.bias`) : null;
      for (const { projection, rowOffset, rows } of t.parts)
        proj[projection] = {
          out: rows,
          in: inn,
          w: hold(t.parts.length === 1 ? stored : rowBlock(stored, rowOffset, rows, inn)),
          bias: bias && hasBias(a, projection) ? bias.subarray(rowOffset, rowOffset + rows) : null,
        };
    }
    return proj as Record<LinearProjection, Linear>;
  };
  // Gemma stores w for a norm scale of 1 + w: the engine holds 1 + w, so every norm runs the same kernel
  const shift = normShift(a);
  const readNorm = (name: string): Float32Array => {
    const v = read(name);
    if (shift !== 0) for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) + shift;
    return v;
  };
  const layers: LayerWeights[] = [];
  for (let l = 0; l < a.layers; l++) {
    const norms = Object.fromEntries(layerNorms(a, l).map((n) => [n.role, readNorm(n.name)])) as Partial<Record<LayerNormRole, Vec>>;
    layers.push({
      inputNorm: norms.inputNorm as Vec,
      postNorm: norms.postNorm as Vec,
      qNorm: norms.qNorm ?? null,
      kNorm: norms.kNorm ?? null,
      ...(a.gemma ? { attnOutNorm: norms.attnOutNorm ?? null, mlpOutNorm: norms.mlpOutNorm ?? null } : {}),
      proj: linears(l),
    });
  }
  const embed = matrix("model.embed_tokens.weight");
  return { embed, layers, norm: readNorm("model.norm.weight"), lmHead: a.tiedEmbeddings ? embed : matrix("lm_head.weight") };
}

/** A tensor as its file stores it: bf16 / f16 halves (unless `keepHalves` is false), else float32. */
export function readStoredMatrix(file: string, entry: TensorEntry, keepHalves = true): StoredMatrix {
  if (keepHalves && (entry.dtype === "BF16" || entry.dtype === "F16")) {
    const raw = readTensorBytes(file, entry);
    const halves = new Uint16Array(raw.buffer, raw.byteOffset, raw.byteLength / 2);
    return entry.dtype === "F16" ? new F16Matrix(halves) : halves;
  }
  return readTensorF32(file, entry);
}

function hasBias(a: HfArchitecture, p: LinearProjection): boolean {
  if (p === "q_proj" || p === "k_proj" || p === "v_proj") return a.qkvBias;
  return p === "o_proj" && a.oBias;
}
