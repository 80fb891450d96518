/**
 * A Hugging Face `config.json` of a supported decoder-only architecture, read with zod and normalised
 * into the one shape the engine's model code uses (`HfArchitecture`). Anything the engine cannot run
 * (quantized weights, mixture of experts, sliding-window attention that actually slides, unknown
 * model types) is refused here with the field that says so.
 */
import { TunelabError } from "@tunelab/base";
import { z } from "zod";
import { floatToF16, halfToFloat } from "./halves.ts";
import { IMAGE_TEXT_KINDS, textConfigOf } from "./image-text.ts";
import { floatToBf16 } from "./safetensors-write.ts";

export const SUPPORTED_MODEL_TYPES = ["llama", "qwen2", "qwen3", "mistral", "smollm3", "gemma2", "gemma3_text", "phi3", "granite"] as const;
export type HfModelType = (typeof SUPPORTED_MODEL_TYPES)[number];

const ARCHITECTURE_OF: Record<HfModelType, string> = {
  llama: "LlamaForCausalLM",
  qwen2: "Qwen2ForCausalLM",
  qwen3: "Qwen3ForCausalLM",
  mistral: "MistralForCausalLM",
  smollm3: "SmolLM3ForCausalLM",
  gemma2: "Gemma2ForCausalLM",
  gemma3_text: "Gemma3ForCausalLM",
  phi3: "Phi3ForCausalLM",
  granite: "GraniteForCausalLM",
};

/** SmolLM3's default: every 4th layer (3, 7, 11, …) has no rotary embedding when config.json lists none. */
export const DEFAULT_NO_ROPE_LAYER_INTERVAL = 4;

const RopeScaling = z.looseObject({
  rope_type: z.string().optional(),
  type: z.string().optional(),
  factor: z.number().positive().optional(),
  low_freq_factor: z.number().positive().optional(),
  high_freq_factor: z.number().positive().optional(),
  original_max_position_embeddings: z.number().int().positive().optional(),
  /** Phi-3's `longrope` (also `su`, its first name): per-frequency divisors for short and long sequences. */
  short_factor: z.array(z.number().positive()).optional(),
  long_factor: z.array(z.number().positive()).optional(),
  attention_factor: z.number().positive().nullish(),
});

const positiveInt = z.number().int().positive();

/** The fields of config.json the engine reads (others are kept but ignored). */
export const HfConfigJson = z.looseObject({
  architectures: z.array(z.string()).min(1),
  model_type: z.string(),
  hidden_size: positiveInt,
  intermediate_size: positiveInt,
  num_hidden_layers: positiveInt,
  num_attention_heads: positiveInt,
  num_key_value_heads: positiveInt.optional(),
  head_dim: positiveInt.nullish(),
  vocab_size: positiveInt,
  max_position_embeddings: positiveInt,
  rms_norm_eps: z.number().positive(),
  rope_theta: z.number().positive().optional(),
  rope_scaling: RopeScaling.nullish(),
  tie_word_embeddings: z.boolean().optional(),
  hidden_act: z.string().optional(),
  attention_bias: z.boolean().optional(),
  mlp_bias: z.boolean().optional(),
  sliding_window: z.number().int().nullish(),
  use_sliding_window: z.boolean().optional(),
  quantization_config: z.unknown().optional(),
  num_experts: z.unknown().optional(),
  num_local_experts: z.unknown().optional(),
  torch_dtype: z.string().optional(),
  bos_token_id: z.union([z.number().int(), z.null()]).optional(),
  /** SmolLM3: per layer, 1 when it applies RoPE, 0 when it is a NoPE layer (the name says the opposite of its values). */
  no_rope_layers: z.array(z.union([z.literal(0), z.literal(1)])).nullish(),
  no_rope_layer_interval: positiveInt.nullish(),
  /** Gemma 3 (text): the MLP's activation, the attention's scale, its local layers and their RoPE base. */
  hidden_activation: z.string().nullish(),
  query_pre_attn_scalar: z.number().positive().nullish(),
  layer_types: z.array(z.string()).nullish(),
  sliding_window_pattern: positiveInt.nullish(),
  rope_local_base_freq: z.number().positive().nullish(),
  final_logit_softcapping: z.number().nullish(),
  use_bidirectional_attention: z.boolean().nullish(),
  attn_logit_softcapping: z.number().nullish(),
  eos_token_id: z.union([z.number().int(), z.array(z.number().int()), z.null()]).optional(),
  /** Phi-3 family: the share of head_dim that rotates (Phi-4-mini 0.75), and the context it was pretrained with. */
  partial_rotary_factor: z.number().positive().max(1).nullish(),
  original_max_position_embeddings: positiveInt.nullish(),
  /** Granite 3.x: its four scalars (transformers' GraniteConfig). */
  embedding_multiplier: z.number().positive().nullish(),
  attention_multiplier: z.number().positive().nullish(),
  residual_multiplier: z.number().positive().nullish(),
  logits_scaling: z.number().positive().nullish(),
  /** Phi-4-mini's config carries these from Microsoft's own modeling code; transformers ignores them. */
  full_attn_mod: z.number().nullish(),
  interpolate_factor: z.number().nullish(),
  lm_head_bias: z.boolean().nullish(),
});
export type HfConfigJson = z.infer<typeof HfConfigJson>;

export interface HfRopeScaling {
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  originalMaxPositionEmbeddings: number;
}

/** The normalised architecture the engine's model code runs. */
export interface HfArchitecture {
  modelType: HfModelType;
  architecture: string;
  hidden: number;
  intermediate: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  vocab: number;
  maxPositions: number;
  rmsEps: number;
  ropeTheta: number;
  /** Llama 3.x frequency scaling (`rope_type: "llama3"`); absent for plain RoPE. */
  ropeScaling?: HfRopeScaling;
  tiedEmbeddings: boolean;
  /** Biases on the q/k/v projections (Qwen2; Llama with `attention_bias`). */
  qkvBias: boolean;
  /** Bias on the output projection (Llama with `attention_bias`). */
  oBias: boolean;
  /** RMSNorm of q and k per head before RoPE (Qwen3). */
  qkNorm: boolean;
  /** Layers that rotate neither q nor k (SmolLM3's NoPE layers), ascending; absent when every layer uses RoPE. */
  noRopeLayers?: readonly number[];
  /** RoPE positions divided by this factor (`rope_scaling` `linear`; Gemma 3's global layers). */
  ropeLinearFactor?: number;
  /** Gemma 3 (text): what differs from the Llama family; absent for the others. */
  gemma?: GemmaTraits;
  /** The leading dims of each head that rotate (Phi-3's partial_rotary_factor × head_dim); absent: all of head_dim. */
  rotaryDim?: number;
  /** Phi-3's `longrope` scaling; absent for the others. */
  longRope?: LongRope;
  /** Every layer attends to a sliding window of this many keys, itself included (Phi-3-mini-4k's 2047); absent: causal. */
  slidingWindow?: number;
  /** Phi-3: q, k and v stored stacked as one `qkv_proj`, gate and up as one `gate_up_proj` (tensor-names.ts). */
  stackedProjections?: boolean;
  /** Granite 3.x: the four scalars it differs from Llama by; absent for the others. */
  granite?: GraniteTraits;
  /**
   * The language model of an image-text checkpoint (Gemma 3 4B–27B; image-text.ts): its tensors sit under a prefix in
   * the files, and the vision tower's pass through exports unchanged.
   */
  imageText?: boolean;
}

/**
 * Phi-3's `longrope` (transformers' `_compute_longrope_parameters`): each frequency divided by short_factor[i] while a
 * sequence fits the pretrained context (original_max_position_embeddings), by long_factor[i] beyond it, and cos and sin
 * multiplied by attentionFactor (√(1 + ln s / ln original) for s = max_position_embeddings / original, unless given).
 * The engine runs within the pretrained context (contextLimit), so only the short factors apply.
 */
export interface LongRope {
  shortFactor: readonly number[];
  longFactor: readonly number[];
  attentionFactor: number;
  originalMaxPositions: number;
}

/**
 * Gemma 3's text model beside Llama's: embeddings times sqrt(hidden); RMSNorm scaled by (1 + w) (the stored w; the
 * engine holds 1 + w, see normShift); a norm on the attention's and on the MLP's output before each is added to the
 * residual (`post_attention_layernorm`, `post_feedforward_layernorm`; the MLP's input norm is `pre_feedforward_layernorm`);
 * q/k norms; GELU (tanh) instead of SiLU in the gated MLP; scores scaled by query_pre_attn_scalar^-1/2; and local layers
 * that attend to a sliding window with their own RoPE base.
 */
export interface GemmaTraits {
  embedScale: number;
  attnScale: number;
  /** Keys a local layer's query sees: itself and the window − 1 before it. */
  slidingWindow: number;
  /** The local (sliding-window) layers, ascending. */
  slidingLayers: readonly number[];
  /** The RoPE base of the local layers (`rope_local_base_freq`); the others use ropeTheta. Gemma 2: ropeTheta for all. */
  localRopeTheta: number;
  /** Gemma 2: attention scores become cap · tanh(score / cap) (`attn_logit_softcapping`); absent: not capped. */
  attnSoftcap?: number;
  /** Gemma 2: the output logits become cap · tanh(logit / cap) (`final_logit_softcapping`); absent: not capped. */
  finalSoftcap?: number;
}

/**
 * Granite 3.x (GraniteForCausalLM) beside Llama: embeddings times `embedding_multiplier`, attention scores scaled by
 * `attention_multiplier` (instead of head_dim^-1/2), each branch's output times `residual_multiplier` before the
 * residual adds it, and the output logits divided by `logits_scaling`.
 */
export interface GraniteTraits {
  embeddingMultiplier: number;
  attentionMultiplier: number;
  residualMultiplier: number;
  logitsScaling: number;
}

/** What the token embeddings are multiplied by (Gemma's √hidden, Granite's embedding_multiplier; else 1). */
export function embeddingScale(a: HfArchitecture): number {
  return a.gemma?.embedScale ?? a.granite?.embeddingMultiplier ?? 1;
}

/** What each branch's output is multiplied by before the residual adds it (Granite's residual_multiplier; else 1). */
export function residualScale(a: HfArchitecture): number {
  return a.granite?.residualMultiplier ?? 1;
}

/** What the output logits are multiplied by (1 / Granite's logits_scaling; else 1). */
export function logitScale(a: HfArchitecture): number {
  return a.granite ? 1 / a.granite.logitsScaling : 1;
}

/** The attention scores' soft cap (Gemma 2), or 0 for none. */
export function attentionSoftcap(a: HfArchitecture): number {
  return a.gemma?.attnSoftcap ?? 0;
}

/** The output logits' soft cap (Gemma 2), or 0 for none. */
export function finalSoftcap(a: HfArchitecture): number {
  return a.gemma?.finalSoftcap ?? 0;
}

/** What the checkpoint's norm weights are shifted by in memory: Gemma stores w for a scale of 1 + w, the engine holds 1 + w. */
export function normShift(a: HfArchitecture): number {
  return a.gemma ? 1 : 0;
}

/** The attention's score scale. */
export function attentionScale(a: HfArchitecture): number {
  return a.gemma?.attnScale ?? a.granite?.attentionMultiplier ?? 1 / Math.sqrt(a.headDim);
}

/** The sliding window of layer `l` (Gemma 3's local layers, Phi-3's every layer), or 0 for full causal attention. */
export function attentionWindow(a: HfArchitecture, l: number): number {
  if (a.gemma) return a.gemma.slidingLayers.includes(l) ? a.gemma.slidingWindow : 0;
  return a.slidingWindow ?? 0;
}

/** The dims of each head that RoPE rotates (all of head_dim but under Phi-3's partial rotary). */
export function rotaryDim(a: HfArchitecture): number {
  return a.rotaryDim ?? a.headDim;
}

/**
 * The most positions the engine runs the model at: max_position_embeddings, or for `longrope` the pretrained context
 * (beyond it Phi-3 switches every position's frequencies to the long factors, which the engine does not do).
 */
export function contextLimit(a: HfArchitecture): number {
  return a.longRope ? Math.min(a.maxPositions, a.longRope.originalMaxPositions) : a.maxPositions;
}

/** Whether layer `l` rotates q and k (every layer but SmolLM3's NoPE layers). */
export function usesRope(a: HfArchitecture, l: number): boolean {
  return !a.noRopeLayers?.includes(l);
}

const refuse = (file: string, field: string, message: string) =>
  new TunelabError("validation_failed", `${file}: ${field}: ${message}`, { details: { file, field } });

/** Reads and checks a parsed config.json; `file` names it in errors. */
export function parseHfConfig(raw: unknown, file = "config.json"): HfArchitecture {
  // an image-text checkpoint (Gemma 3 4B–27B): its language model, read from text_config (image-text.ts)
  const imageText = textConfigOf(raw, file);
  if (imageText)
    return { ...parseHfConfig(imageText.text, `${file} (text_config)`), architecture: imageText.kind.architecture, imageText: true };
  // model_type first: another architecture's config (GPT-2's n_embd, …) lacks the fields below.
  const rawType = (raw as { model_type?: unknown } | null)?.model_type;
  if (typeof rawType === "string" && !(SUPPORTED_MODEL_TYPES as readonly string[]).includes(rawType))
    throw refuse(
      file,
      "model_type",
      `"${rawType}" is not supported; supported: ${SUPPORTED_MODEL_TYPES.map((t) => `${t} (${ARCHITECTURE_OF[t]})`).join(", ")}, ${Object.entries(
        IMAGE_TEXT_KINDS,
      )
        .map(([t, kind]) => `${t} (${kind.architecture}: its text model)`)
        .join(", ")}`,
    );
  const parsed = HfConfigJson.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join(".") || "(root)";
    throw refuse(file, field, `${issue?.message ?? "invalid"} (a Hugging Face config.json of a decoder-only model was expected)`);
  }
  const c = parsed.data;
  const modelType = c.model_type as HfModelType;
  const architecture = c.architectures[0] as string;
  if (architecture !== ARCHITECTURE_OF[modelType])
    throw refuse(
      file,
      "architectures",
      `"${architecture}" is not supported for model_type ${modelType}; expected ${ARCHITECTURE_OF[modelType]}`,
    );
  if (c.quantization_config !== undefined)
    throw refuse(file, "quantization_config", "quantized checkpoints are not supported; use the bf16/f16/f32 weights");
  if (c.num_experts !== undefined || c.num_local_experts !== undefined)
    throw refuse(file, c.num_experts !== undefined ? "num_experts" : "num_local_experts", "mixture-of-experts models are not supported");
  if (c.hidden_act !== undefined && c.hidden_act !== "silu" && modelType !== "gemma3_text" && modelType !== "gemma2")
    throw refuse(file, "hidden_act", `"${c.hidden_act}" is not supported; only silu (SwiGLU) is`);
  if (c.mlp_bias) throw refuse(file, "mlp_bias", "MLP biases are not supported");
  const kvHeads = c.num_key_value_heads ?? c.num_attention_heads;
  if (c.num_attention_heads % kvHeads !== 0)
    throw refuse(file, "num_key_value_heads", `${kvHeads} does not divide num_attention_heads (${c.num_attention_heads})`);
  const headDim = c.head_dim ?? c.hidden_size / c.num_attention_heads;
  if (!Number.isInteger(headDim) || headDim % 2 !== 0)
    throw refuse(file, "head_dim", `${headDim} is not an even integer (hidden_size / num_attention_heads when head_dim is absent)`);
  const gemma = modelType === "gemma3_text" || modelType === "gemma2" ? readGemma(c, file, headDim, modelType) : undefined;
  const phi3 = modelType === "phi3" ? readPhi3(c, file, headDim) : undefined;
  // Mistral 7B v0.1 (and its fine-tunes: Zephyr, OpenHermes) attends to a window of 4,096 keys in every layer
  const mistralWindow = modelType === "mistral" ? readMistralWindow(c, file) : undefined;
  const slidingUsed = gemma || phi3 || modelType === "mistral" ? false : c.use_sliding_window === true;
  if (slidingUsed && (c.sliding_window ?? 0) < c.max_position_embeddings)
    throw refuse(
      file,
      "sliding_window",
      `sliding-window attention (${c.sliding_window}) shorter than the context is not supported for ${modelType} (use_sliding_window)`,
    );
  const linear = modelType === "gemma3_text" ? readLinearRopeScaling(c, file) : undefined;
  const ropeScaling = gemma || phi3 ? undefined : readRopeScaling(c, file);
  const noRopeLayers = modelType === "smollm3" ? readNoRopeLayers(c, file) : [];
  return {
    modelType,
    architecture,
    hidden: c.hidden_size,
    intermediate: c.intermediate_size,
    layers: c.num_hidden_layers,
    heads: c.num_attention_heads,
    kvHeads,
    headDim,
    vocab: c.vocab_size,
    maxPositions: c.max_position_embeddings,
    rmsEps: c.rms_norm_eps,
    ropeTheta: c.rope_theta ?? 10_000,
    ...(ropeScaling ? { ropeScaling } : {}),
    // Llama, Qwen2, Qwen3 and Mistral configs all default to untied; tied checkpoints say so.
    tiedEmbeddings: c.tie_word_embeddings ?? gemma !== undefined,
    qkvBias: modelType === "qwen2" || c.attention_bias === true,
    oBias: modelType !== "qwen2" && c.attention_bias === true,
    qkNorm: modelType === "qwen3" || modelType === "gemma3_text",
    ...(noRopeLayers.length > 0 ? { noRopeLayers } : {}),
    ...(linear ? { ropeLinearFactor: linear } : {}),
    ...(gemma ? { gemma } : {}),
    ...phi3,
    ...(mistralWindow ? { slidingWindow: mistralWindow } : {}),
    ...(modelType === "granite"
      ? {
          // GraniteConfig's defaults are 1 (no change from Llama)
          granite: {
            embeddingMultiplier: c.embedding_multiplier ?? 1,
            attentionMultiplier: c.attention_multiplier ?? 1,
            residualMultiplier: c.residual_multiplier ?? 1,
            logitsScaling: c.logits_scaling ?? 1,
          },
        }
      : {}),
  };
}

/** Mistral's `sliding_window` (every layer), when it is shorter than the context; null or longer: causal attention. */
function readMistralWindow(c: HfConfigJson, file: string): number | undefined {
  const window = c.sliding_window ?? null;
  if (window === null) return undefined;
  if (!Number.isInteger(window) || window <= 0) throw refuse(file, "sliding_window", `${window} is not a positive integer or null`);
  return window < c.max_position_embeddings ? window : undefined;
}

/**
 * The Phi-3 family (Phi-3-mini, Phi-3.5-mini, Phi-4-mini): the Llama layout with q/k/v and gate/up stored stacked,
 * partial rotary, `longrope` scaling and a sliding window over every layer.
 */
function readPhi3(
  c: HfConfigJson,
  file: string,
  headDim: number,
): Pick<HfArchitecture, "rotaryDim" | "longRope" | "slidingWindow" | "stackedProjections"> {
  if (c.attention_bias) throw refuse(file, "attention_bias", "attention biases are not supported for Phi-3");
  if (c.lm_head_bias) throw refuse(file, "lm_head_bias", "an output-head bias is not supported for Phi-3");
  // transformers' Phi3 ignores these (Microsoft's own code reads them): only their no-op values compute the same model
  for (const field of ["full_attn_mod", "interpolate_factor"] as const)
    if (c[field] != null && c[field] !== 1) throw refuse(file, field, `${c[field]} is not supported; only 1 is`);
  // modeling_phi3 sizes the rotary frequencies (and Phi3Config checks the longrope factors) by hidden / heads
  if (c.head_dim != null && c.head_dim !== c.hidden_size / c.num_attention_heads)
    throw refuse(file, "head_dim", `${c.head_dim} differs from hidden_size / num_attention_heads, which Phi-3 uses`);
  const factor = c.partial_rotary_factor ?? 1;
  // transformers: int(head_dim * partial_rotary_factor)
  const rotary = Math.floor(headDim * factor + 1e-9);
  if (rotary < 2 || rotary % 2 !== 0)
    throw refuse(file, "partial_rotary_factor", `${factor} × head_dim ${headDim} = ${rotary} rotary dims, not an even number ≥ 2`);
  const longRope = readLongRope(c, file, rotary);
  const window = c.sliding_window ?? null;
  if (window !== null && (!Number.isInteger(window) || window <= 0))
    throw refuse(file, "sliding_window", `${window} is not a positive integer`);
  const context = Math.min(c.max_position_embeddings, longRope?.originalMaxPositions ?? Number.POSITIVE_INFINITY);
  return {
    ...(rotary < headDim ? { rotaryDim: rotary } : {}),
    ...(longRope ? { longRope } : {}),
    ...(window !== null && window < context ? { slidingWindow: window } : {}),
    stackedProjections: true,
  };
}

function readLongRope(c: HfConfigJson, file: string, rotary: number): LongRope | undefined {
  const s = c.rope_scaling;
  if (!s) return undefined;
  const type = s.rope_type ?? s.type;
  if (type === "default") return undefined;
  if (type !== "longrope" && type !== "su")
    throw refuse(file, "rope_scaling.type", `"${type}" is not supported for Phi-3; only longrope is`);
  for (const field of ["short_factor", "long_factor"] as const) {
    const list = s[field];
    if (!list || list.length !== rotary / 2)
      throw refuse(
        file,
        `rope_scaling.${field}`,
        `${list ? `has ${list.length} entries` : "is missing"}; longrope needs one per rotary frequency (${rotary / 2})`,
      );
  }
  // Phi3Config's default pretrained context is 4,096
  const original = c.original_max_position_embeddings ?? s.original_max_position_embeddings ?? 4096;
  const scale = c.max_position_embeddings / original;
  // transformers 4.x scales by max / original whatever rope_scaling.factor says, later versions by the factor: refuse
  // a checkpoint for which the two disagree rather than pick one
  if (s.factor !== undefined && Math.abs(s.factor - scale) > 1e-9 * scale)
    throw refuse(
      file,
      "rope_scaling.factor",
      `${s.factor} differs from max_position_embeddings / original_max_position_embeddings (${scale}); transformers versions disagree on which to use`,
    );
  const attentionFactor = s.attention_factor ?? (scale <= 1 ? 1 : Math.sqrt(1 + Math.log(scale) / Math.log(original)));
  return {
    shortFactor: s.short_factor as number[],
    longFactor: s.long_factor as number[],
    attentionFactor,
    originalMaxPositions: original,
  };
}

/**
 * Gemma 3's text model and Gemma 2: their fields read and checked (what the engine does not run is refused, naming the
 * field). Gemma 2 differs in: no q/k norms; one RoPE base for every layer; attention scores and output logits soft-capped
 * (cap · tanh(x / cap)); the even layers (0, 2, …) local, as transformers' Gemma2 derives them without layer_types.
 */
function readGemma(c: HfConfigJson, file: string, headDim: number, modelType: "gemma2" | "gemma3_text"): GemmaTraits {
  const gemma2 = modelType === "gemma2";
  const name = gemma2 ? "Gemma 2" : "Gemma 3";
  const activation = c.hidden_activation ?? c.hidden_act ?? "gelu_pytorch_tanh";
  if (activation !== "gelu_pytorch_tanh")
    throw refuse(file, "hidden_activation", `"${activation}" is not supported for ${name}; only gelu_pytorch_tanh is`);
  if (!gemma2)
    for (const field of ["final_logit_softcapping", "attn_logit_softcapping"] as const)
      if (c[field] != null) throw refuse(file, field, `logit soft-capping (${c[field]}) is not supported (Gemma 3 has none)`);
  if (gemma2 && c.rope_scaling != null && (c.rope_scaling.rope_type ?? c.rope_scaling.type) !== "default")
    throw refuse(file, "rope_scaling", "RoPE scaling is not supported for Gemma 2 (its checkpoints have none)");
  if (c.attention_bias) throw refuse(file, "attention_bias", `attention biases are not supported for ${name}`);
  if (c.use_bidirectional_attention)
    throw refuse(
      file,
      "use_bidirectional_attention",
      "bidirectional attention (EmbeddingGemma) is not supported: the engine runs causal language models",
    );
  const layers = c.num_hidden_layers;
  let sliding: number[];
  if (c.layer_types) {
    if (c.layer_types.length < layers)
      throw refuse(file, "layer_types", `has ${c.layer_types.length} entries; num_hidden_layers is ${layers}`);
    const unknown = c.layer_types.find((t) => t !== "sliding_attention" && t !== "full_attention");
    if (unknown !== undefined) throw refuse(file, "layer_types", `"${unknown}" is not sliding_attention or full_attention`);
    sliding = c.layer_types.slice(0, layers).flatMap((t, l) => (t === "sliding_attention" ? [l] : []));
  } else {
    const pattern = gemma2 ? 2 : (c.sliding_window_pattern ?? 6);
    sliding = Array.from({ length: layers }, (_, l) => l).filter((l) => (l + 1) % pattern !== 0);
  }
  const window = c.sliding_window ?? 4096;
  if (!Number.isInteger(window) || window <= 0) throw refuse(file, "sliding_window", `${window} is not a positive integer`);
  const cap = (field: "attn_logit_softcapping" | "final_logit_softcapping", fallback: number): number | undefined => {
    const value = c[field] === undefined ? fallback : c[field];
    if (value === null) return undefined;
    if (!(value > 0)) throw refuse(file, field, `${value} is not a positive number or null`);
    return value;
  };
  const attnSoftcap = gemma2 ? cap("attn_logit_softcapping", 50) : undefined;
  const finalSoftcap = gemma2 ? cap("final_logit_softcapping", 30) : undefined;
  return {
    embedScale: embedScale(c),
    attnScale: (c.query_pre_attn_scalar ?? (gemma2 ? 256 : headDim)) ** -0.5,
    slidingWindow: window,
    slidingLayers: sliding,
    localRopeTheta: gemma2 ? (c.rope_theta ?? 10_000) : (c.rope_local_base_freq ?? 10_000),
    ...(attnSoftcap ? { attnSoftcap } : {}),
    ...(finalSoftcap ? { finalSoftcap } : {}),
  };
}

/**
 * sqrt(hidden_size), rounded as transformers rounds it: to the weights' dtype (Gemma3TextScaledWordEmbedding casts the
 * scale to it), so a bf16 checkpoint's embeddings are scaled by 25.25 at hidden 640, not 25.298.
 */
function embedScale(c: HfConfigJson): number {
  const scale = Math.sqrt(c.hidden_size);
  if (c.torch_dtype === "bfloat16") return new Float32Array(new Uint32Array([floatToBf16(scale) << 16]).buffer)[0] as number;
  if (c.torch_dtype === "float16") return halfToFloat(floatToF16(scale));
  return Math.fround(scale);
}

/** Gemma 3's `rope_scaling`: none, or `linear` (positions divided by `factor`, in the global layers). */
function readLinearRopeScaling(c: HfConfigJson, file: string): number | undefined {
  const s = c.rope_scaling;
  if (!s) return undefined;
  const type = s.rope_type ?? s.type;
  if (type === "default") return undefined;
  if (type !== "linear" || !s.factor)
    throw refuse(file, "rope_scaling", `"${type}" is not supported for Gemma 3; only linear (with a factor) is`);
  return s.factor === 1 ? undefined : s.factor;
}

/**
 * SmolLM3's NoPE layers: where `no_rope_layers` has a 0 (1 = the layer uses RoPE), or, without the list, every
 * `no_rope_layer_interval`-th layer (default 4), as transformers' SmolLM3Config derives it.
 */
function readNoRopeLayers(c: HfConfigJson, file: string): number[] {
  const layers = c.num_hidden_layers;
  if (c.no_rope_layers) {
    if (c.no_rope_layers.length < layers)
      throw refuse(file, "no_rope_layers", `has ${c.no_rope_layers.length} entries; num_hidden_layers is ${layers}`);
    return c.no_rope_layers.slice(0, layers).flatMap((ropes, l) => (ropes === 0 ? [l] : []));
  }
  const interval = c.no_rope_layer_interval ?? DEFAULT_NO_ROPE_LAYER_INTERVAL;
  return Array.from({ length: layers }, (_, l) => l).filter((l) => (l + 1) % interval === 0);
}

function readRopeScaling(c: HfConfigJson, file: string): HfRopeScaling | undefined {
  const s = c.rope_scaling;
  if (!s) return undefined;
  const type = s.rope_type ?? s.type;
  if (type === "default") return undefined;
  if (type !== "llama3") throw refuse(file, "rope_scaling.rope_type", `"${type}" is not supported; only llama3 scaling is`);
  if (!s.factor || !s.low_freq_factor || !s.high_freq_factor || !s.original_max_position_embeddings)
    throw refuse(
      file,
      "rope_scaling",
      "llama3 scaling needs factor, low_freq_factor, high_freq_factor and original_max_position_embeddings",
    );
  return {
    factor: s.factor,
    lowFreqFactor: s.low_freq_factor,
    highFreqFactor: s.high_freq_factor,
    originalMaxPositionEmbeddings: s.original_max_position_embeddings,
  };
}

/** Parameter count of the architecture (as the checkpoint stores it). */
export function hfParameterCount(a: HfArchitecture): number {
  const q = a.heads * a.headDim;
  const kv = a.kvHeads * a.headDim;
  const attn = a.hidden * q + 2 * a.hidden * kv + q * a.hidden + (a.qkvBias ? q + 2 * kv : 0) + (a.oBias ? a.hidden : 0);
  const mlp = 3 * a.hidden * a.intermediate;
  const norms = (a.gemma ? 4 : 2) * a.hidden + (a.qkNorm ? 2 * a.headDim : 0);
  const embed = a.vocab * a.hidden * (a.tiedEmbeddings ? 1 : 2);
  return a.layers * (attn + mlp + norms) + embed + a.hidden;
}
