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
