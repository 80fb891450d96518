/**
 * A decoder's weights as llama.cpp names and lays them out (convert_hf_to_gguf.py's mapping for
 * LlamaForCausalLM / MistralForCausalLM → `llama`, Qwen2ForCausalLM → `qwen2`, Qwen3ForCausalLM → `qwen3`,
 * SmolLM3ForCausalLM → `smollm3`), with the hyperparameters it reads from the file's metadata.
 *
 * - `gemma3` (Gemma3ForCausalLM): halves order like Qwen; the norms as held (1 + w, what llama.cpp's converter writes),
 *   the output norms as `post_attention_norm` / `post_ffw_norm`, the local layers' window, pattern and RoPE base in the
 *   metadata (gemmaSlidingPattern refuses what llama.cpp would run differently).
 * - `smollm3` is `llama`'s layout; llama.cpp has no key for its NoPE layers and takes every 4th (3, 7, …), as the
 *   released SmolLM3 has them, so a checkpoint with another pattern is refused rather than written wrong.
 * - `llama` and `smollm3` rotate interleaved pairs (x[2i], x[2i+1]) where Hugging Face rotates halves (x[i], x[i + d/2]), so the
 *   rows of q and k are permuted within each head: GGUF row 2j + s is Hugging Face row s·d/2 + j. Qwen's
 *   architectures use the halves (NeoX) order in llama.cpp too and are written unchanged.
 * - Llama 3's frequency scaling is a `rope_freqs` tensor: for each frequency, how much its rotation is slowed (the
 *   unscaled inverse frequency over the scaled one).
 * - Weight matrices take the export's type (tensor-types.ts: one type, or llama.cpp's Q4_K_M mix, with its fallbacks
 *   for rows that are not a multiple of a block); norms, biases and `rope_freqs` stay float32.
 */

import { TunelabError } from "@tunelab/base";
import type { Vec } from "../../trainer/kernels/types.ts";
import { DEFAULT_NO_ROPE_LAYER_INTERVAL, type HfArchitecture } from "../config.ts";
import { type ProjectionValues, plainProjection } from "../lora/merge.ts";
import type { DecoderModel } from "../model/decoder.ts";
import { type Matrix, storedOnly } from "../model/matrix.ts";
import { inverseFrequencies } from "../model/rope.ts";
import type { LinearProjection } from "../tensor-names.ts";
import type { GgufTensor, GgufValue } from "./gguf-file.ts";
import { FILE_TYPE, GGUF_DTYPES, type GgufDtype, type MatrixRole, matrixType } from "./tensor-types.ts";

export { GGUF_DTYPES, type GgufDtype };

const ARCH_OF: Record<HfArchitecture["modelType"], string> = {
  llama: "llama",
  mistral: "llama",
  qwen2: "qwen2",
  qwen3: "qwen3",
  smollm3: "smollm3",
  gemma3_text: "gemma3",
  phi3: "phi3",
};

const NAME_OF: Record<LinearProjection, string> = {
  q_proj: "attn_q",
  k_proj: "attn_k",
  v_proj: "attn_v",
  o_proj: "attn_output",
  gate_proj: "ffn_gate",
  up_proj: "ffn_up",
  down_proj: "ffn_down",
};

/** llama.cpp's name of a projection's weight in layer `l` (`blk.3.attn_q.weight`). */
export function ggufTensorName(l: number, p: LinearProjection): string {
  return `blk.${l}.${NAME_OF[p]}.weight`;
}

export function ggufArchitecture(a: HfArchitecture): string {
  if (a.gemma) gemmaSlidingPattern(a);
  if (a.stackedProjections)
    throw new TunelabError(
      "validation_failed",
      "GGUF export of the Phi-3 family (Phi3ForCausalLM) is not supported yet; export the merged safetensors folder (vLLM, transformers, llama.cpp's convert_hf_to_gguf.py) or the PEFT adapter instead.",
    );
  if (a.modelType === "smollm3") {
    const llamaCpp = Array.from({ length: a.layers }, (_, l) => l).filter((l) => (l + 1) % DEFAULT_NO_ROPE_LAYER_INTERVAL === 0);
    const own = a.noRopeLayers ?? [];
    if (own.length !== llamaCpp.length || own.some((l, i) => l !== llamaCpp[i]))
      throw new TunelabError(
        "validation_failed",
        `llama.cpp runs SmolLM3 with no rotary embedding in every ${DEFAULT_NO_ROPE_LAYER_INTERVAL}th layer (${llamaCpp.join(", ") || "none here"}); this model has none in layers ${own.join(", ") || "(none)"}, so a GGUF file would not compute the same model. Export the merged safetensors folder (vLLM, transformers) or the PEFT adapter instead.`,
      );
  }
  return ARCH_OF[a.modelType];
}

/**
 * Gemma 3 as llama.cpp runs it (src/models/gemma3.cpp): its attention scale comes from the layer count (62 layers,
 * the 27B: (hidden / heads)^-1/2; otherwise head_dim^-1/2), not from query_pre_attn_scalar, and its local layers
 * are every layer but each `sliding_window_pattern`-th (a number in the file). Returns that number; a checkpoint that
 * llama.cpp would run differently is refused, naming why.
 */
export function gemmaSlidingPattern(a: HfArchitecture): number {
  const g = a.gemma;
  if (!g) throw new Error("not a Gemma model (bug)");
  const refuse = (why: string) =>
    new TunelabError(
      "validation_failed",
      `llama.cpp would not run this Gemma 3 model as it is: ${why}. Export the merged safetensors folder (vLLM, transformers) or the PEFT adapter instead.`,
    );
  const llamaCppScale = (a.layers === 62 ? a.hidden / a.heads : a.headDim) ** -0.5;
  if (Math.abs(llamaCppScale - g.attnScale) > 1e-6 * llamaCppScale)
    throw refuse(
      `it scales attention scores by ${g.attnScale.toPrecision(6)} (query_pre_attn_scalar), llama.cpp by ${llamaCppScale.toPrecision(6)} (from the head size)`,
    );
  const sliding = new Set(g.slidingLayers);
  for (let n = 1; n <= a.layers + 1; n++) {
    let same = true;
    for (let l = 0; l < a.layers && same; l++) same = sliding.has(l) === ((l + 1) % n !== 0);
    if (same) return n;
  }
  throw refuse(`its sliding-window layers (${g.slidingLayers.join(", ")}) are not every layer but each n-th`);
}

/** llama.cpp's `llama` layout rotates interleaved pairs: q and k rows are permuted to it (SmolLM3's too, NoPE layers included, as convert_hf_to_gguf.py does). */
export function permutesRotaryRows(a: HfArchitecture): boolean {
  const arch = ggufArchitecture(a);
  return arch === "llama" || arch === "smollm3";
}

/** The rows of a [heads·headDim, cols] matrix (or a bias, cols 1) reordered from halves to interleaved pairs per head. */
export function interleaveRotaryRows(m: Vec, heads: number, headDim: number, cols: number): Float32Array {
  const out = new Float32Array(m.length);
  const half = headDim / 2;
  for (let h = 0; h < heads; h++)
    for (let j = 0; j < half; j++)
      for (let s = 0; s < 2; s++) {
        const from = (h * headDim + s * half + j) * cols;
        const to = (h * headDim + 2 * j + s) * cols;
        out.set(m.subarray(from, from + cols), to);
      }
  return out;
}

/** The model's hyperparameters under the architecture's keys. */
export function architectureMetadata(a: HfArchitecture, dtype: GgufDtype): Map<string, GgufValue> {
  const arch = ggufArchitecture(a);
  const m = new Map<string, GgufValue>();
  m.set("general.architecture", { type: "string", value: arch });
  m.set("general.file_type", { type: "u32", value: FILE_TYPE[dtype] });
  if (dtype === "q8_0" || dtype === "q4_k_m") m.set("general.quantization_version", { type: "u32", value: 2 });
  const u32 = (key: string, value: number) => m.set(`${arch}.${key}`, { type: "u32", value });
  u32("context_length", a.maxPositions);
  u32("embedding_length", a.hidden);
  u32("block_count", a.layers);
  u32("feed_forward_length", a.intermediate);
  u32("attention.head_count", a.heads);
  u32("attention.head_count_kv", a.kvHeads);
  u32("attention.key_length", a.headDim);
  u32("attention.value_length", a.headDim);
  u32("rope.dimension_count", a.headDim);
  u32("vocab_size", a.vocab);
  m.set(`${arch}.rope.freq_base`, { type: "f32", value: a.ropeTheta });
  m.set(`${arch}.attention.layer_norm_rms_epsilon`, { type: "f32", value: a.rmsEps });
  if (a.gemma) {
    u32("attention.sliding_window", a.gemma.slidingWindow);
    u32("attention.sliding_window_pattern", gemmaSlidingPattern(a));
    m.set(`${arch}.rope.freq_base_swa`, { type: "f32", value: a.gemma.localRopeTheta });
  }
  if (a.ropeLinearFactor) {
    m.set(`${arch}.rope.scaling.type`, { type: "string", value: "linear" });
    m.set(`${arch}.rope.scaling.factor`, { type: "f32", value: a.ropeLinearFactor });
  }
  return m;
}

/**
 * The tensors of the file, each made and encoded when written: a LoRA adapter is folded into each projection then
 * (`projectionValues`), so no more than one float32 matrix is alive beside the weights as loaded.
 */
export function modelTensors(
  model: DecoderModel,
  dtype: GgufDtype,
  projectionValues: ProjectionValues = plainProjection(model.k),
): GgufTensor[] {
  const { arch: a, weights: w } = model;
  const permute = permutesRotaryRows(a);
  const matrix = (name: string, role: MatrixRole, rows: number, cols: number, values: () => Matrix): GgufTensor => ({
    name,
    shape: [rows, cols],
    type: matrixType(dtype, role, cols),
    values: () => storedOnly(values()),
  });
  const vector = (name: string, values: () => Vec): GgufTensor => {
    const v = values();
    return { name, shape: [v.length], type: "F32", values: () => v };
  };
  // the embedding and the output head as loaded (bf16 is encoded a chunk at a time: no float32 copy of a 1 GB table)
  const embedRole: MatrixRole = { kind: "token_embd", tied: a.tiedEmbeddings };
  const out: GgufTensor[] = [matrix("token_embd.weight", embedRole, a.vocab, a.hidden, () => w.embed)];
  if (a.ropeScaling) {
    const scaled = inverseFrequencies(a);
    const { ropeScaling: _, ...unscaled } = a;
    const plain = inverseFrequencies(unscaled);
    out.push(vector("rope_freqs.weight", () => Float32Array.from(plain, (f, i) => f / (scaled[i] as number))));
  }
  w.layers.forEach((L, l) => {
    const blk = `blk.${l}`;
    out.push(vector(`${blk}.attn_norm.weight`, () => L.inputNorm));
    for (const p of ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"] as const) {
      const lin = L.proj[p];
      const heads = p === "q_proj" ? a.heads : a.kvHeads;
      const rotary = permute && (p === "q_proj" || p === "k_proj");
      out.push(
        matrix(ggufTensorName(l, p), { kind: "layer", projection: NAME_OF[p], layer: l, layers: a.layers }, lin.out, lin.in, () =>
          rotary ? interleaveRotaryRows(projectionValues(l, p, lin.w), heads, a.headDim, lin.in) : projectionValues(l, p, lin.w),
        ),
      );
      const bias = lin.bias;
      if (bias) out.push(vector(`${blk}.${NAME_OF[p]}.bias`, () => (rotary ? interleaveRotaryRows(bias, heads, a.headDim, 1) : bias)));
    }
    if (L.qNorm) {
      const q = L.qNorm;
      out.push(vector(`${blk}.attn_q_norm.weight`, () => q));
    }
    if (L.kNorm) {
      const kn = L.kNorm;
      out.push(vector(`${blk}.attn_k_norm.weight`, () => kn));
    }
    out.push(vector(`${blk}.ffn_norm.weight`, () => L.postNorm));
    // Gemma 3's norms of the attention's and the MLP's outputs (held as 1 + w, which llama.cpp multiplies by, as its converter writes them)
    const attnOut = L.attnOutNorm;
    if (attnOut) out.push(vector(`${blk}.post_attention_norm.weight`, () => attnOut));
    const mlpOut = L.mlpOutNorm;
    if (mlpOut) out.push(vector(`${blk}.post_ffw_norm.weight`, () => mlpOut));
  });
  out.push(vector("output_norm.weight", () => w.norm));
  if (!a.tiedEmbeddings) out.push(matrix("output.weight", { kind: "output" }, a.vocab, a.hidden, () => w.lmHead));
  return out;
}
