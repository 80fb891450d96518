/**
 * The text model of an image-text checkpoint (Gemma 3 4B, 12B and 27B: `Gemma3ForConditionalGeneration`): the engine
 * runs, tunes and exports its language model and leaves the vision tower as it is.
 *
 * - config.json holds the language model's config as `text_config`, sparse: transformers fills the rest from the text
 *   config class's defaults (Gemma3TextConfig), which `textConfigOf` does too.
 * - The weights hold the language model under a prefix: `language_model.model.*` as the released checkpoints store it,
 *   or `model.language_model.*` as transformers ≥ 4.52 saves it (with `lm_head.weight` beside it when untied).
 *   checkpoint.ts reads them under the text model's own names (`model.layers.0…`) and keeps the others (vision tower,
 *   projector) to write back unchanged.
 */
import { TunelabError } from "@tunelab/base";

interface ImageTextKind {
  architecture: string;
  /** The text model's model_type and architecture (what its config would say standing alone). */
  textModelType: string;
  textArchitecture: string;
  /** The text config class's defaults for the fields the engine reads. */
  textDefaults: Record<string, unknown>;
}

/** transformers' Gemma3TextConfig defaults (configuration_gemma3.py). */
const GEMMA3_TEXT_DEFAULTS: Record<string, unknown> = {
  vocab_size: 262_208,
  hidden_size: 2304,
  intermediate_size: 9216,
  num_hidden_layers: 26,
  num_attention_heads: 8,
  num_key_value_heads: 4,
  head_dim: 256,
  hidden_activation: "gelu_pytorch_tanh",
  max_position_embeddings: 131_072,
  rms_norm_eps: 1e-6,
  tie_word_embeddings: true,
  rope_theta: 1_000_000,
  rope_local_base_freq: 10_000,
  rope_scaling: null,
  attention_bias: false,
  query_pre_attn_scalar: 256,
  sliding_window: 4096,
  sliding_window_pattern: 6,
  final_logit_softcapping: null,
  attn_logit_softcapping: null,
};

export const IMAGE_TEXT_KINDS: Readonly<Record<string, ImageTextKind>> = {
  gemma3: {
    architecture: "Gemma3ForConditionalGeneration",
    textModelType: "gemma3_text",
    textArchitecture: "Gemma3ForCausalLM",
    textDefaults: GEMMA3_TEXT_DEFAULTS,
  },
};

/** Whether a registered base's architecture is an image-text checkpoint's (its language model is what the engine runs). */
export function isImageTextArchitecture(architecture: string): boolean {
  return Object.values(IMAGE_TEXT_KINDS).some((kind) => kind.architecture === architecture);
}

const refuse = (file: string, field: string, message: string) =>
  new TunelabError("validation_failed", `${file}: ${field}: ${message}`, { details: { file, field } });

/**
 * For an image-text checkpoint's config.json, its text model's config as that model's own config.json would be
 * (text_config over the defaults, the dtype and any quantization_config of the whole); undefined for any other config.
 */
export function textConfigOf(raw: unknown, file: string): { kind: ImageTextKind; text: Record<string, unknown> } | undefined {
  const config = raw as Record<string, unknown> | null;
  const kind = typeof config?.model_type === "string" ? IMAGE_TEXT_KINDS[config.model_type] : undefined;
  if (!config || !kind) return undefined;
  const architectures = config.architectures;
  if (!Array.isArray(architectures) || architectures[0] !== kind.architecture)
    throw refuse(
      file,
      "architectures",
      `${JSON.stringify(architectures)} is not supported for model_type ${config.model_type}; expected ${kind.architecture}`,
    );
  const text = config.text_config;
  if (typeof text !== "object" || text === null || Array.isArray(text))
    throw refuse(file, "text_config", "missing: an image-text checkpoint's config.json holds its language model's config there");
  const own = text as Record<string, unknown>;
  if (own.model_type !== undefined && own.model_type !== kind.textModelType)
    throw refuse(file, "text_config.model_type", `"${String(own.model_type)}" is not supported; expected ${kind.textModelType}`);
  return {
    kind,
    text: {
      ...kind.textDefaults,
      ...(config.torch_dtype !== undefined ? { torch_dtype: config.torch_dtype } : {}),
      ...(config.quantization_config !== undefined ? { quantization_config: config.quantization_config } : {}),
      ...own,
      model_type: kind.textModelType,
      architectures: [kind.textArchitecture],
    },
  };
}

/** Where the text model's tensors sit in an image-text checkpoint's files. */
export interface TextTensorLayout {
  /** The prefix of `model.*` (`language_model.model.` or `model.language_model.`). */
  model: string;
  /** The name of an untied output head (`language_model.lm_head.weight` or `lm_head.weight`). */
  head: string;
}

/** The released checkpoints' layout, then transformers ≥ 4.52's. */
export const TEXT_TENSOR_LAYOUTS: readonly TextTensorLayout[] = [
  { model: "language_model.model.", head: "language_model.lm_head.weight" },
  { model: "model.language_model.", head: "lm_head.weight" },
];

/** The name a text model's tensor (`model.layers.0…`, `lm_head.weight`) has in files of this layout. */
export function storedTextName(layout: TextTensorLayout, name: string): string {
  if (name === "lm_head.weight") return layout.head;
  if (!name.startsWith("model.")) throw new Error(`${name} is not a text model tensor (bug)`);
  return layout.model + name.slice("model.".length);
}

/** The layout the files use: the one whose embedding they hold. */
export function textTensorLayout(names: ReadonlySet<string>): TextTensorLayout | undefined {
  return TEXT_TENSOR_LAYOUTS.find((layout) => names.has(storedTextName(layout, "model.embed_tokens.weight")));
}

/**
 * Where PEFT finds the language model's modules in an image-text model as transformers ≥ 4.52 builds it
 * (`Gemma3ForConditionalGeneration.model.language_model`): an adapter's keys are `base_model.model.` + this + `layers.N…`.
 */
export const PEFT_TEXT_MODULES = "model.language_model.";

/** A text model's adapter key (`base_model.model.model.layers.0…`) as PEFT names it in the image-text model. */
export function imageTextAdapterKey(key: string): string {
  const own = "base_model.model.model.";
  if (!key.startsWith(own)) throw new Error(`${key} is not a text model adapter key (bug)`);
  return `base_model.model.${PEFT_TEXT_MODULES}${key.slice(own.length)}`;
}

/** The text model's own adapter key for a key of either image-text layout (PEFT's, or the released files' prefix). */
export function textAdapterKey(key: string): string | undefined {
  for (const prefix of [PEFT_TEXT_MODULES, TEXT_TENSOR_LAYOUTS[0]?.model ?? ""]) {
    const wrapped = `base_model.model.${prefix}`;
    if (prefix && key.startsWith(wrapped)) return `base_model.model.model.${key.slice(wrapped.length)}`;
  }
  return undefined;
}
