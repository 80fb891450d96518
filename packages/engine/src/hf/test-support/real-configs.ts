/** Real checkpoints' config.json, as published, for tests that check how the engine reads them (no weights here). */

/** google/gemma-3-270m's config.json (the fields the engine reads; `fields` replaces or adds some). */
export function gemma3_270mConfig(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    architectures: ["Gemma3ForCausalLM"],
    model_type: "gemma3_text",
    hidden_size: 640,
    intermediate_size: 2048,
    num_hidden_layers: 18,
    num_attention_heads: 4,
    num_key_value_heads: 1,
    head_dim: 256,
    vocab_size: 262_144,
    max_position_embeddings: 32_768,
    rms_norm_eps: 1e-6,
    rope_theta: 1_000_000,
    rope_local_base_freq: 10_000,
    rope_scaling: null,
    query_pre_attn_scalar: 256,
    sliding_window: 512,
    layer_types: Array.from({ length: 18 }, (_, l) => ((l + 1) % 6 === 0 ? "full_attention" : "sliding_attention")),
    hidden_activation: "gelu_pytorch_tanh",
    final_logit_softcapping: null,
    attn_logit_softcapping: null,
    attention_bias: false,
    tie_word_embeddings: true,
    torch_dtype: "bfloat16",
    ...fields,
  };
}

/**
 * microsoft/Phi-4-mini-instruct's config.json (the fields the engine reads; `fields` replaces or adds some). The 48
 * longrope factors are not copied: short_factor is all 1 as published, long_factor grows geometrically as the published
 * list begins (1, 1.1183, 1.2506, …).
 */
export function phi4MiniConfig(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    architectures: ["Phi3ForCausalLM"],
    model_type: "phi3",
    hidden_size: 3072,
    intermediate_size: 8192,
    num_hidden_layers: 32,
    num_attention_heads: 24,
    num_key_value_heads: 8,
    vocab_size: 200_064,
    max_position_embeddings: 131_072,
    original_max_position_embeddings: 4096,
    partial_rotary_factor: 0.75,
    rms_norm_eps: 1e-5,
    rope_theta: 10_000,
    rope_scaling: {
      type: "longrope",
      short_factor: Array(48).fill(1),
      long_factor: Array.from({ length: 48 }, (_, i) => 1.1183206 ** i),
    },
    sliding_window: 262_144,
    hidden_act: "silu",
    attention_bias: false,
    tie_word_embeddings: true,
    torch_dtype: "bfloat16",
    ...fields,
  };
}

/** microsoft/Phi-3-mini-4k-instruct's config.json (the fields the engine reads): full rotary, no scaling, window 2047. */
export function phi3Mini4kConfig(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    architectures: ["Phi3ForCausalLM"],
    model_type: "phi3",
    hidden_size: 3072,
    intermediate_size: 8192,
    num_hidden_layers: 32,
    num_attention_heads: 32,
    num_key_value_heads: 32,
    vocab_size: 32_064,
    max_position_embeddings: 4096,
    original_max_position_embeddings: 4096,
    rms_norm_eps: 1e-5,
    rope_theta: 10_000,
    rope_scaling: null,
    sliding_window: 2047,
    hidden_act: "silu",
    tie_word_embeddings: false,
    torch_dtype: "bfloat16",
    ...fields,
  };
}

/**
 * google/gemma-3-4b-it's config.json (Gemma3ForConditionalGeneration) as published: a sparse text_config that
 * transformers completes from Gemma3TextConfig's defaults, and the vision tower's config.
 */
export function gemma3_4bItConfig(text: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    architectures: ["Gemma3ForConditionalGeneration"],
    model_type: "gemma3",
    boi_token_index: 255_999,
    eoi_token_index: 256_000,
    eos_token_id: [1, 106],
    image_token_index: 262_144,
    initializer_range: 0.02,
    mm_tokens_per_image: 256,
    text_config: {
      hidden_size: 2560,
      intermediate_size: 10_240,
      model_type: "gemma3_text",
      num_hidden_layers: 34,
      rope_scaling: { factor: 8.0, rope_type: "linear" },
      sliding_window: 1024,
      ...text,
    },
    torch_dtype: "bfloat16",
    transformers_version: "4.50.0.dev0",
    vision_config: {
      hidden_size: 1152,
      image_size: 896,
      intermediate_size: 4304,
      model_type: "siglip_vision_model",
      num_attention_heads: 16,
      num_hidden_layers: 27,
      patch_size: 14,
      vision_use_head: false,
    },
  };
}

/** google/gemma-2-2b-it's config.json (Gemma2ForCausalLM; published in float32). */
export function gemma2_2bItConfig(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    architectures: ["Gemma2ForCausalLM"],
    model_type: "gemma2",
    attention_bias: false,
    attn_logit_softcapping: 50.0,
    bos_token_id: 2,
    cache_implementation: "hybrid",
    eos_token_id: [1, 107],
    final_logit_softcapping: 30.0,
    head_dim: 256,
    hidden_act: "gelu_pytorch_tanh",
    hidden_activation: "gelu_pytorch_tanh",
    hidden_size: 2304,
    intermediate_size: 9216,
    max_position_embeddings: 8192,
    num_attention_heads: 8,
    num_hidden_layers: 26,
    num_key_value_heads: 4,
    pad_token_id: 0,
    query_pre_attn_scalar: 256,
    rms_norm_eps: 1e-6,
    rope_theta: 10_000,
    sliding_window: 4096,
    torch_dtype: "float32",
    vocab_size: 256_000,
    ...fields,
  };
}

/** ibm-granite/granite-3.3-2b-instruct's config.json (GraniteForCausalLM; the fields the engine reads). */
export function granite33_2bConfig(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    architectures: ["GraniteForCausalLM"],
    model_type: "granite",
    attention_bias: false,
    attention_multiplier: 0.015625,
    embedding_multiplier: 12.0,
    hidden_act: "silu",
    hidden_size: 2048,
    intermediate_size: 8192,
    logits_scaling: 8.0,
    max_position_embeddings: 131_072,
    mlp_bias: false,
    num_attention_heads: 32,
    num_hidden_layers: 40,
    num_key_value_heads: 8,
    residual_multiplier: 0.22,
    rms_norm_eps: 1e-5,
    rope_scaling: null,
    rope_theta: 10_000_000,
    tie_word_embeddings: true,
    torch_dtype: "bfloat16",
    vocab_size: 49_159,
    ...fields,
  };
}
