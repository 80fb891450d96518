/**
 * A decoder's weights as llama.cpp names and lays them out (convert_hf_to_gguf.py's mapping for
 * LlamaForCausalLM / MistralForCausalLM → `llama`, Qwen2ForCausalLM → `qwen2`, Qwen3ForCausalLM → `qwen3`,
 * SmolLM3ForCausalLM → `smollm3`, Gemma3ForCausalLM → `gemma3`, Phi3ForCausalLM → `phi3`), with the hyperparameters it
 * reads from the file's metadata.
 *
 * - `gemma3` (Gemma3ForCausalLM): halves order like Qwen; the norms as held (1 + w, what llama.cpp's converter writes),
 *   the output norms as `post_attention_norm` / `post_ffw_norm`, the local layers' window, pattern and RoPE base in the
 *   metadata (gemmaSlidingPattern refuses what llama.cpp would run differently).
 * - `smollm3` is `llama`'s layout; llama.cpp has no key for its NoPE layers and takes every 4th (3, 7, …), as the
 *   released SmolLM3 has them, so a checkpoint with another pattern is refused rather than written wrong.
 * - `phi3` (Phi-3-mini, Phi-3.5-mini, Phi-4-mini; llama.cpp's src/models/phi3.cpp): halves order like Qwen; q, k and v
 *   stacked by rows as one `attn_qkv`, gate and up as one `ffn_up` (as the checkpoint's qkv_proj / gate_up_proj; llama.cpp
 *   splits ffn_up's output in halves, silu(gate) · up); `rope.dimension_count` is the rotary dims (partial rotary: ggml's
 *   NeoX rope turns the first n_rot dims of a head and copies the rest); longrope as `rope_factors_short.weight` /
 *   `rope_factors_long.weight` (each frequency divided by its factor), `rope.scaling.attn_factor` (cos and sin times
 *   it, as the engine does) and `rope.scaling.original_context_length`. llama.cpp takes the long factors when a
 *   sequence's context (n_ctx_seq, padded to a multiple of 256) exceeds the original context, the short ones otherwise,
 *   and it does not apply Phi-3's sliding window (load_arch_hparams disables it): phi3ContextLength says what
 *   `context_length` is written so that the default context computes what the engine computes.
 * - `llama` and `smollm3` rotate interleaved pairs (x[2i], x[2i+1]) where Hugging Face rotates halves (x[i], x[i + d/2]), so the
 *   rows of q and k are permuted within each head: GGUF row 2j + s is Hugging Face row s·d/2 + j. Qwen's
 *   architectures, Gemma 3 and Phi-3 use the halves (NeoX) order in llama.cpp too and are written unchanged.
 * - Llama 3's frequency scaling is a `rope_freqs` tensor: for each frequency, how much its rotation is slowed (the
 *   unscaled inverse frequency over the scaled one).
 * - Weight matrices take the export's type (tensor-types.ts: one type, or llama.cpp's Q4_K_M mix, with its fallbacks
 *   for rows that are not a multiple of a block); norms, biases and the rope factors stay float32.
 */

import { TunelabError } from "@tunelab/base";
import type { Vec } from "../../trainer/kernels/types.ts";
import { contextLimit, DEFAULT_NO_ROPE_LAYER_INTERVAL, type HfArchitecture, rotaryDim } from "../config.ts";
import { type ProjectionValues, plainProjection } from "../lora/merge.ts";
import type { DecoderModel } from "../model/decoder.ts";
import { type Matrix, storedOnly } from "../model/matrix.ts";
import { inverseFrequencies } from "../model/rope.ts";
import { type LinearProjection, type StoredLinear, storedLinears } from "../tensor-names.ts";
import type { GgufTensor, GgufValue } from "./gguf-file.ts";
import { FILE_TYPE, GGUF_DTYPES, type GgufDtype, type MatrixRole, matrixType } from "./tensor-types.ts";

export { GGUF_DTYPES, type GgufDtype };

const ARCH_OF: Record<HfArchitecture["modelType"], string> = {
  llama: "llama",
  mistral: "llama",
  qwen2: "qwen2",
  qwen3: "qwen3",
  smollm3: "smollm3",
  gemma2: "gemma2",
  gemma3_text: "gemma3",
  phi3: "phi3",
  granite: "granite",
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

/** llama.cpp's names of Phi-3's stacked matrices, by their first part: attn_qkv (q, k, v rows), ffn_up (gate, up rows). */
const STACKED_NAME: Partial<Record<LinearProjection, string>> = { q_proj: "attn_qkv", gate_proj: "ffn_up" };

/**
 * A weight matrix of a layer as the GGUF file holds it (`blk.3.attn_q.weight`): one projection's rows, or (Phi-3)
 * several stacked.
 */
export interface GgufLinear {
  /** `blk.3.attn_qkv.weight` */
  name: string;
  /** llama.cpp's name for the matrix's kind (`attn_qkv`, `ffn_down`): what the Q4_K_M mix goes by. */
  kind: string;
  rows: number;
  cols: number;
  /** The engine's projections it holds, with the first row of each (storedLinears' layout). */
  parts: StoredLinear["parts"];
}

/** Layer `l`'s weight matrices in the file, in the checkpoint's order (tensor-names.ts storedLinears). */
export function ggufLinears(a: HfArchitecture, l: number): GgufLinear[] {
  return storedLinears(a, l).map((t) => {
    const first = (t.parts[0] as StoredLinear["parts"][number]).projection;
    const kind = t.parts.length === 1 ? NAME_OF[first] : STACKED_NAME[first];
    if (!kind) throw new Error(`no GGUF name for ${t.path} (bug)`);
    return { name: `blk.${l}.${kind}.weight`, kind, rows: t.shape[0], cols: t.shape[1], parts: t.parts };
  });
}

export function ggufArchitecture(a: HfArchitecture): string {
  if (a.gemma) gemmaSlidingPattern(a);
  if (a.modelType === "phi3") phi3ContextLength(a);
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
 * Gemma 3 and Gemma 2 as llama.cpp runs them (src/models/gemma3.cpp, gemma2.cpp): the attention scale comes from the
 * layer count (the 27B's 62 layers for Gemma 3, 46 for Gemma 2: (hidden / heads)^-1/2; otherwise head_dim^-1/2), not
 * from query_pre_attn_scalar, and the local layers are every layer but each `sliding_window_pattern`-th (a number in the
 * file). Gemma 2's graph soft-caps scores and logits always (50 and 30 unless the file says otherwise). Returns the
 * pattern; a checkpoint that llama.cpp would run differently is refused, naming why.
 */
export function gemmaSlidingPattern(a: HfArchitecture): number {
  const g = a.gemma;
  if (!g) throw new Error("not a Gemma model (bug)");
  const gemma2 = a.modelType === "gemma2";
  const refuse = (why: string) =>
    new TunelabError(
      "validation_failed",
      `llama.cpp would not run this Gemma ${gemma2 ? 2 : 3} model as it is: ${why}. Export the merged safetensors folder (vLLM, transformers) or the PEFT adapter instead.`,
    );
  if (gemma2 && (!g.attnSoftcap || !g.finalSoftcap))
    throw refuse("llama.cpp soft-caps its attention scores and output logits always, and this model leaves one of them uncapped");
  const llamaCppScale = (a.layers === (gemma2 ? 46 : 62) ? a.hidden / a.heads : a.headDim) ** -0.5;
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

/**
 * The `context_length` of the other architectures: max_position_embeddings, or Mistral 7B v0.1's sliding window (4,096
 * of 32,768) when it has one: llama.cpp's `llama` has no window and attends to every earlier key, which computes the
 * same while a sequence fits in the window.
 */
function llamaContextLength(a: HfArchitecture): number {
  return a.slidingWindow ? Math.min(a.maxPositions, a.slidingWindow) : a.maxPositions;
}

/** llama.cpp pads every context to a multiple of this many positions (llama-context.cpp: GGML_PAD(n_ctx, 256)). */
export const LLAMA_CPP_CONTEXT_PAD = 256;

/**
 * The `context_length` of a Phi-3 family GGUF: the longest context in which llama.cpp computes what the engine does,
 * which a context of llama.cpp's default size (context_length, padded to a multiple of 256) then does. Refuses a
 * model llama.cpp would compute differently at every position, naming why.
 *
 * - The engine's context (contextLimit: for longrope, the pretrained original_max_position_embeddings, where the
 *   short factors apply). llama.cpp picks the factors per context, not per sequence (llama_model::get_rope_factors):
 *   the long ones when n_ctx_seq > rope.scaling.original_context_length. So the length is at most the original context
 *   rounded down to a multiple of 256 (the real models' 4,096 stays); below 256 llama.cpp takes the long factors in
 *   every context, and the model is refused. A context the user makes larger runs the long factors, as Phi-3 itself
 *   does beyond its pretrained context (the engine does not run it there).
 * - Phi-3's sliding window, when shorter (Phi-3-mini-4k: 2,047 keys of 4,096): llama.cpp does not apply it
 *   (llama_model_phi3::load_arch_hparams sets no window, ggml-org/llama.cpp#13676) and attends to every earlier key,
 *   which is the same while a sequence fits in the window, so the length is the window.
 * - llama.cpp's phi3 sizes q's rows and o's columns by the hidden size (load_arch_tensors): heads × head_dim must be it.
 */
export function phi3ContextLength(a: HfArchitecture): number {
  const refuse = (why: string) =>
    new TunelabError(
      "validation_failed",
      `llama.cpp would not run this Phi-3 model as it is: ${why}. Export the merged safetensors folder (vLLM, transformers) or the PEFT adapter instead.`,
    );
  if (a.heads * a.headDim !== a.hidden)
    throw refuse(
      `its ${a.heads} heads of ${a.headDim} make ${a.heads * a.headDim} query dims, and llama.cpp's phi3 sizes them by the hidden size (${a.hidden})`,
    );
  let n = contextLimit(a);
  if (a.slidingWindow) n = Math.min(n, a.slidingWindow);
  if (a.longRope) {
    const original = a.longRope.originalMaxPositions;
    const short = original - (original % LLAMA_CPP_CONTEXT_PAD);
    if (short === 0)
      throw refuse(
        `its longrope short factors apply within ${original} positions (original_max_position_embeddings), and llama.cpp pads every context to a multiple of ${LLAMA_CPP_CONTEXT_PAD} positions and then takes the long factors`,
      );
    n = Math.min(n, short);
  }
  return n;
}

/** llama.cpp's `llama` layout rotates interleaved pairs: q and k rows are permuted to it (SmolLM3's too, NoPE layers included, as convert_hf_to_gguf.py does). */
export function permutesRotaryRows(a: HfArchitecture): boolean {
  const arch = ggufArchitecture(a);
  return arch === "llama" || arch === "smollm3" || arch === "granite";
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
  u32("context_length", a.modelType === "phi3" ? phi3ContextLength(a) : llamaContextLength(a));
  u32("embedding_length", a.hidden);
  u32("block_count", a.layers);
  u32("feed_forward_length", a.intermediate);
  u32("attention.head_count", a.heads);
  u32("attention.head_count_kv", a.kvHeads);
  u32("attention.key_length", a.headDim);
  u32("attention.value_length", a.headDim);
  u32("rope.dimension_count", rotaryDim(a));
  u32("vocab_size", a.vocab);
  m.set(`${arch}.rope.freq_base`, { type: "f32", value: a.ropeTheta });
  m.set(`${arch}.attention.layer_norm_rms_epsilon`, { type: "f32", value: a.rmsEps });
  if (a.gemma) {
    u32("attention.sliding_window", a.gemma.slidingWindow);
    u32("attention.sliding_window_pattern", gemmaSlidingPattern(a));
    m.set(`${arch}.rope.freq_base_swa`, { type: "f32", value: a.gemma.localRopeTheta });
    if (a.gemma.attnSoftcap) m.set(`${arch}.attn_logit_softcapping`, { type: "f32", value: a.gemma.attnSoftcap });
    if (a.gemma.finalSoftcap) m.set(`${arch}.final_logit_softcapping`, { type: "f32", value: a.gemma.finalSoftcap });
  }
  if (a.granite) {
    // llama.cpp's granite: the four scalars as convert_hf_to_gguf.py writes them (logit_scale divides)
    m.set(`${arch}.embedding_scale`, { type: "f32", value: a.granite.embeddingMultiplier });
    m.set(`${arch}.residual_scale`, { type: "f32", value: a.granite.residualMultiplier });
    m.set(`${arch}.attention.scale`, { type: "f32", value: a.granite.attentionMultiplier });
    m.set(`${arch}.logit_scale`, { type: "f32", value: a.granite.logitsScaling });
  }
  if (a.longRope) {
    u32("rope.scaling.original_context_length", a.longRope.originalMaxPositions);
    m.set(`${arch}.rope.scaling.attn_factor`, { type: "f32", value: a.longRope.attentionFactor });
  }
  // as convert_hf_to_gguf.py writes it; llama.cpp does not apply it for phi3 (see phi3ContextLength)
  if (a.slidingWindow) u32("attention.sliding_window", a.slidingWindow);
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
  if (a.longRope) {
    const { longFactor, shortFactor } = a.longRope;
    out.push(vector("rope_factors_long.weight", () => Float32Array.from(longFactor)));
    out.push(vector("rope_factors_short.weight", () => Float32Array.from(shortFactor)));
  }
  w.layers.forEach((L, l) => {
    const blk = `blk.${l}`;
    out.push(vector(`${blk}.attn_norm.weight`, () => L.inputNorm));
    for (const t of ggufLinears(a, l)) {
      const role: MatrixRole = { kind: "layer", projection: t.kind, layer: l, layers: a.layers };
      const [only, ...more] = t.parts;
      if (only && more.length === 0) {
        const p = only.projection;
        const lin = L.proj[p];
        const heads = p === "q_proj" ? a.heads : a.kvHeads;
        const rotary = permute && (p === "q_proj" || p === "k_proj");
        out.push(
          matrix(t.name, role, t.rows, t.cols, () =>
            rotary ? interleaveRotaryRows(projectionValues(l, p, lin.w), heads, a.headDim, lin.in) : projectionValues(l, p, lin.w),
          ),
        );
        const bias = lin.bias;
        if (bias) out.push(vector(`${blk}.${t.kind}.bias`, () => (rotary ? interleaveRotaryRows(bias, heads, a.headDim, 1) : bias)));
        continue;
      }
      // Phi-3's stacked matrices: each part's rows (an adapter folded in) where the checkpoint has them
      if (t.parts.some((part) => L.proj[part.projection].bias)) throw new Error(`${t.name}: a bias on a stacked projection (bug)`);
      out.push(
        matrix(t.name, role, t.rows, t.cols, () => {
          const m = new Float32Array(t.rows * t.cols);
          for (const part of t.parts) m.set(projectionValues(l, part.projection, L.proj[part.projection].w), part.rowOffset * t.cols);
          return m;
        }),
      );
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
