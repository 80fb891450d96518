import { describe, expect, it } from "vitest";
import { parseHfConfig, usesRope } from "./config.ts";
import { gemmaSlidingPattern, ggufArchitecture, permutesRotaryRows } from "./gguf/model-tensors.ts";
import { gemma3_270mConfig } from "./test-support/real-configs.ts";

/** SmolLM3-3B's config.json in its released shape, at 8 layers. */
const smollm3 = (fields: Record<string, unknown> = {}) => ({
  architectures: ["SmolLM3ForCausalLM"],
  model_type: "smollm3",
  hidden_size: 64,
  intermediate_size: 160,
  num_hidden_layers: 8,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  vocab_size: 461,
  max_position_embeddings: 65536,
  rms_norm_eps: 1e-6,
  rope_theta: 5_000_000,
  rope_scaling: null,
  tie_word_embeddings: true,
  hidden_act: "silu",
  attention_bias: false,
  mlp_bias: false,
  use_sliding_window: false,
  sliding_window: null,
  layer_types: Array(8).fill("full_attention"),
  no_rope_layer_interval: 4,
  no_rope_layers: [1, 1, 1, 0, 1, 1, 1, 0],
  ...fields,
});

describe("SmolLM3 config.json", () => {
  it("reads the NoPE layers from no_rope_layers, where 0 means no RoPE", () => {
    const a = parseHfConfig(smollm3());
    expect(a).toMatchObject({ modelType: "smollm3", architecture: "SmolLM3ForCausalLM", tiedEmbeddings: true, noRopeLayers: [3, 7] });
    expect(Array.from({ length: 8 }, (_, l) => usesRope(a, l))).toEqual([true, true, true, false, true, true, true, false]);
    expect(parseHfConfig(smollm3({ no_rope_layers: [0, 1, 1, 1, 1, 1, 1, 1, 1] })).noRopeLayers).toEqual([0]);
    expect(parseHfConfig(smollm3({ no_rope_layers: Array(8).fill(1) })).noRopeLayers).toBeUndefined();
  });

  it("without the list, every no_rope_layer_interval-th layer (default 4) has no RoPE, as transformers derives it", () => {
    expect(parseHfConfig(smollm3({ no_rope_layers: null })).noRopeLayers).toEqual([3, 7]);
    expect(parseHfConfig(smollm3({ no_rope_layers: undefined, no_rope_layer_interval: undefined })).noRopeLayers).toEqual([3, 7]);
    expect(parseHfConfig(smollm3({ no_rope_layers: undefined, no_rope_layer_interval: 3 })).noRopeLayers).toEqual([2, 5]);
  });

  it("refuses a list shorter than the layers, and values other than 0 and 1, naming the field", () => {
    expect(() => parseHfConfig(smollm3({ no_rope_layers: [1, 1, 1, 0] }))).toThrow(
      "config.json: no_rope_layers: has 4 entries; num_hidden_layers is 8",
    );
    expect(() => parseHfConfig(smollm3({ no_rope_layers: [1, 2, 1, 0, 1, 1, 1, 0] }))).toThrow(/config\.json: no_rope_layers\.1: /);
  });

  it("other architectures rotate in every layer, whatever stray fields they carry", () => {
    const llama = parseHfConfig({ ...smollm3({ architectures: ["LlamaForCausalLM"], model_type: "llama" }) });
    expect(llama.noRopeLayers).toBeUndefined();
    expect(usesRope(llama, 3)).toBe(true);
  });

  it("is llama.cpp's smollm3 (llama's layout) when its NoPE layers are every 4th, and refused for GGUF otherwise", () => {
    const a = parseHfConfig(smollm3());
    expect(ggufArchitecture(a)).toBe("smollm3");
    expect(permutesRotaryRows(a)).toBe(true);
    const other = parseHfConfig(smollm3({ no_rope_layers: [1, 1, 0, 1, 1, 1, 1, 0] }));
    expect(() => ggufArchitecture(other)).toThrow(
      "llama.cpp runs SmolLM3 with no rotary embedding in every 4th layer (3, 7); this model has none in layers 2, 7",
    );
  });
});

const gemma3 = gemma3_270mConfig;

describe("Gemma 3 (text) config.json", () => {
  it("reads the local layers, their window and RoPE base, the score scale and the embedding scale", () => {
    const a = parseHfConfig(gemma3());
    expect(a).toMatchObject({
      modelType: "gemma3_text",
      architecture: "Gemma3ForCausalLM",
      headDim: 256,
      qkNorm: true,
      tiedEmbeddings: true,
    });
    expect(a.gemma?.slidingLayers).toEqual([0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 12, 13, 14, 15, 16]);
    expect(a.gemma).toMatchObject({ slidingWindow: 512, localRopeTheta: 10_000, attnScale: 1 / 16 });
    // transformers casts sqrt(640) = 25.298 to the weights' bf16: 25.25
    expect(a.gemma?.embedScale).toBe(25.25);
    expect(parseHfConfig(gemma3({ torch_dtype: "float32" })).gemma?.embedScale).toBeCloseTo(Math.sqrt(640), 5);
    expect(parseHfConfig(gemma3({ query_pre_attn_scalar: 168 })).gemma?.attnScale).toBeCloseTo(168 ** -0.5, 12);
  });

  it("without layer_types, every sliding_window_pattern-th layer (default 6) is global", () => {
    expect(parseHfConfig(gemma3({ layer_types: undefined, sliding_window_pattern: 2, num_hidden_layers: 4 })).gemma?.slidingLayers).toEqual(
      [0, 2],
    );
    expect(parseHfConfig(gemma3({ layer_types: undefined })).gemma?.slidingLayers).toHaveLength(15);
  });

  it("accepts linear RoPE scaling for the global layers; refuses soft-capping and other activations", () => {
    expect(parseHfConfig(gemma3({ rope_scaling: { rope_type: "linear", factor: 8 } })).ropeLinearFactor).toBe(8);
    expect(() => parseHfConfig(gemma3({ rope_scaling: { rope_type: "yarn", factor: 8 } }))).toThrow(/config\.json: rope_scaling: "yarn"/);
    expect(() => parseHfConfig(gemma3({ final_logit_softcapping: 30 }))).toThrow(/config\.json: final_logit_softcapping: /);
    expect(() => parseHfConfig(gemma3({ hidden_activation: "gelu" }))).toThrow(/config\.json: hidden_activation: "gelu"/);
    expect(() => parseHfConfig(gemma3({ use_bidirectional_attention: true }))).toThrow(
      /config\.json: use_bidirectional_attention: .*EmbeddingGemma/,
    );
    expect(() => parseHfConfig(gemma3({ layer_types: ["sliding_attention"] }))).toThrow(/config\.json: layer_types: has 1 entries/);
    // an image-text checkpoint's config without text_config (config-image-text.test.ts reads the real one)
    expect(() => parseHfConfig(gemma3({ model_type: "gemma3", architectures: ["Gemma3ForConditionalGeneration"] }))).toThrow(
      /text_config: missing/,
    );
  });

  it("is llama.cpp's gemma3 when llama.cpp would run it the same, and refused for GGUF otherwise, naming why", () => {
    const a = parseHfConfig(gemma3());
    expect(ggufArchitecture(a)).toBe("gemma3");
    expect(permutesRotaryRows(a)).toBe(false);
    expect(gemmaSlidingPattern(a)).toBe(6);
    expect(gemmaSlidingPattern(parseHfConfig(gemma3({ num_hidden_layers: 4, layer_types: Array(4).fill("sliding_attention") })))).toBe(5);
    // gemma-3-27b: 62 layers, head_dim 128, query_pre_attn_scalar 168 = hidden / heads, which llama.cpp uses for 62 layers
    const big = { num_hidden_layers: 62, hidden_size: 5376, num_attention_heads: 32, head_dim: 128, query_pre_attn_scalar: 168 };
    expect(ggufArchitecture(parseHfConfig(gemma3({ ...big, layer_types: undefined })))).toBe("gemma3");
    expect(() => ggufArchitecture(parseHfConfig(gemma3({ query_pre_attn_scalar: 24 })))).toThrow(
      /llama\.cpp would not run this Gemma 3 model as it is: it scales attention scores by 0\.204124 \(query_pre_attn_scalar\), llama\.cpp by 0\.0625/,
    );
    const odd = Array.from({ length: 18 }, (_, l) => (l === 2 ? "full_attention" : "sliding_attention"));
    expect(() => ggufArchitecture(parseHfConfig(gemma3({ layer_types: odd })))).toThrow(
      /sliding-window layers .* are not every layer but each n-th/,
    );
  });
});
