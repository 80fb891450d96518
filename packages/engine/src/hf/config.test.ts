import { describe, expect, it } from "vitest";
import { parseHfConfig, usesRope } from "./config.ts";
import { ggufArchitecture, permutesRotaryRows } from "./gguf/model-tensors.ts";

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
