import { describe, expect, it } from "vitest";
import { attentionWindow, contextLimit, hfParameterCount, parseHfConfig, rotaryDim } from "./config.ts";
import { architectureMetadata, ggufArchitecture, ggufLinears, phi3ContextLength } from "./gguf/model-tensors.ts";
import { inverseFrequencies, ropeTables } from "./model/rope.ts";
import { expectedTensors, storedLinears } from "./tensor-names.ts";
import { phi3Mini4kConfig, phi4MiniConfig } from "./test-support/real-configs.ts";

describe("Phi-3 family config.json (Phi3ForCausalLM)", () => {
  it("Phi-4-mini: 96 of 128 head dims rotate, longrope within the pretrained 4,096 positions, tied, its published size", () => {
    const a = parseHfConfig(phi4MiniConfig());
    expect(a).toMatchObject({ modelType: "phi3", headDim: 128, rotaryDim: 96, tiedEmbeddings: true, stackedProjections: true });
    expect(rotaryDim(a)).toBe(96);
    // s = 131072 / 4096 = 32: sqrt(1 + ln 32 / ln 4096)
    expect(a.longRope?.attentionFactor).toBeCloseTo(Math.sqrt(1 + Math.log(32) / Math.log(4096)), 12);
    expect(a.longRope?.originalMaxPositions).toBe(4096);
    expect(contextLimit(a)).toBe(4096);
    // the window (262,144) is past the context: plain causal attention
    expect(a.slidingWindow).toBeUndefined();
    expect(attentionWindow(a, 0)).toBe(0);
    // Phi-4-mini-instruct is published as 3.84B parameters
    expect(hfParameterCount(a) / 1e9).toBeCloseTo(3.836, 2);
  });

  it("Phi-3-mini-4k: full rotary, no scaling, every layer attends to a sliding window of 2,047 keys", () => {
    const a = parseHfConfig(phi3Mini4kConfig());
    expect(a.rotaryDim).toBeUndefined();
    expect(rotaryDim(a)).toBe(96);
    expect(a.longRope).toBeUndefined();
    expect(a.slidingWindow).toBe(2047);
    expect([0, 31].map((l) => attentionWindow(a, l))).toEqual([2047, 2047]);
    expect(contextLimit(a)).toBe(4096);
    expect(hfParameterCount(a) / 1e9).toBeCloseTo(3.821, 2);
  });

  it("longrope tables: frequencies divided by the short factors, cos and sin times the attention factor", () => {
    const short = Array.from({ length: 4 }, (_, i) => 1 + 0.5 * i);
    const a = parseHfConfig({
      ...phi4MiniConfig(),
      hidden_size: 64,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      partial_rotary_factor: 0.5,
      max_position_embeddings: 1024,
      original_max_position_embeddings: 256,
      rope_scaling: { type: "longrope", short_factor: short, long_factor: [9, 9, 9, 9] },
    });
    expect(rotaryDim(a)).toBe(8);
    const inv = inverseFrequencies(a);
    expect(Array.from(inv)).toEqual(short.map((f, i) => 1 / (f * 10_000 ** ((2 * i) / 8))));
    const factor = Math.sqrt(1 + Math.log(4) / Math.log(256));
    const t = ropeTables(a, 20);
    expect(t.cos.length).toBe(20 * 4);
    expect(t.cos[7 * 4 + 2]).toBeCloseTo(Math.cos(7 * (inv[2] as number)) * factor, 6);
    expect(t.sin[7 * 4 + 2]).toBeCloseTo(Math.sin(7 * (inv[2] as number)) * factor, 6);
    // an attention_factor given in rope_scaling wins
    const given = parseHfConfig({
      ...phi4MiniConfig(),
      rope_scaling: { ...(phi4MiniConfig().rope_scaling as object), attention_factor: 1.5 },
    });
    expect(given.longRope?.attentionFactor).toBe(1.5);
  });

  it("stores q/k/v as one qkv_proj and gate/up as one gate_up_proj, rows in that order", () => {
    const a = parseHfConfig(phi4MiniConfig({ num_hidden_layers: 1 }));
    expect(storedLinears(a, 0).map((t) => [t.path, t.shape, t.parts.map((p) => [p.projection, p.rowOffset, p.rows])])).toEqual([
      [
        "model.layers.0.self_attn.qkv_proj",
        [5120, 3072],
        [
          ["q_proj", 0, 3072],
          ["k_proj", 3072, 1024],
          ["v_proj", 4096, 1024],
        ],
      ],
      ["model.layers.0.self_attn.o_proj", [3072, 3072], [["o_proj", 0, 3072]]],
      [
        "model.layers.0.mlp.gate_up_proj",
        [16384, 3072],
        [
          ["gate_proj", 0, 8192],
          ["up_proj", 8192, 8192],
        ],
      ],
      ["model.layers.0.mlp.down_proj", [3072, 8192], [["down_proj", 0, 3072]]],
    ]);
    expect(expectedTensors(a).map((t) => t.name)).toEqual([
      "model.embed_tokens.weight",
      "model.layers.0.input_layernorm.weight",
      "model.layers.0.post_attention_layernorm.weight",
      "model.layers.0.self_attn.qkv_proj.weight",
      "model.layers.0.self_attn.o_proj.weight",
      "model.layers.0.mlp.gate_up_proj.weight",
      "model.layers.0.mlp.down_proj.weight",
      "model.norm.weight",
    ]);
  });

  it("refuses what the engine does not run, naming the field", () => {
    const refused = (fields: Record<string, unknown>, field: RegExp) => expect(() => parseHfConfig(phi4MiniConfig(fields))).toThrow(field);
    refused({ rope_scaling: { type: "yarn", factor: 4 } }, /rope_scaling.type: "yarn" is not supported for Phi-3/);
    refused(
      { rope_scaling: { type: "longrope", short_factor: [1, 1], long_factor: Array(48).fill(1) } },
      /rope_scaling.short_factor: has 2 entries.*48/,
    );
    refused({ partial_rotary_factor: 0.01 }, /partial_rotary_factor/);
    refused({ attention_bias: true }, /attention_bias/);
    refused({ lm_head_bias: true }, /lm_head_bias/);
    refused({ full_attn_mod: 2 }, /full_attn_mod: 2 is not supported/);
    refused({ head_dim: 96 }, /head_dim: 96 differs/);
    refused(
      { rope_scaling: { ...(phi4MiniConfig().rope_scaling as object), factor: 8 } },
      /rope_scaling.factor: 8 differs from max_position_embeddings \/ original_max_position_embeddings \(32\)/,
    );
    // Phi-4-mini's extra fields at their published values, and a factor that agrees, are accepted
    expect(() =>
      parseHfConfig(
        phi4MiniConfig({
          full_attn_mod: 1,
          interpolate_factor: 1,
          lm_head_bias: false,
          rope_scaling: { ...(phi4MiniConfig().rope_scaling as object), factor: 32 },
        }),
      ),
    ).not.toThrow();
    // without original_max_position_embeddings, Phi3Config's 4,096
    const { original_max_position_embeddings: _, ...noOriginal } = phi4MiniConfig();
    expect(parseHfConfig(noOriginal).longRope?.originalMaxPositions).toBe(4096);
    refused({ architectures: ["Phi3VForCausalLM"] }, /architectures: "Phi3VForCausalLM" is not supported/);
    // the first name of longrope is accepted
    expect(
      parseHfConfig(phi4MiniConfig({ rope_scaling: { ...(phi4MiniConfig().rope_scaling as object), type: "su" } })).longRope,
    ).toBeDefined();
  });

  it("GGUF: llama.cpp's phi3, its context the engine's (Phi-4-mini: the 4,096 pretrained positions, short factors) or Phi-3-mini-4k's 2,047-key window, which llama.cpp does not apply; refuses what llama.cpp would compute differently", () => {
    const phi4 = parseHfConfig(phi4MiniConfig());
    expect(ggufArchitecture(phi4)).toBe("phi3");
    const m = architectureMetadata(phi4, "f32");
    const value = (key: string) => m.get(`phi3.${key}`)?.value;
    expect([value("context_length"), value("rope.dimension_count"), value("rope.scaling.original_context_length")]).toEqual([
      4096, 96, 4096,
    ]);
    expect(value("rope.scaling.attn_factor")).toBeCloseTo(Math.sqrt(1 + Math.log(32) / Math.log(4096)), 12);
    expect(m.has("phi3.attention.sliding_window")).toBe(false);
    expect(ggufLinears(phi4, 0).map((t) => [t.name, t.rows, t.cols])).toEqual([
      ["blk.0.attn_qkv.weight", 5120, 3072],
      ["blk.0.attn_output.weight", 3072, 3072],
      ["blk.0.ffn_up.weight", 16384, 3072],
      ["blk.0.ffn_down.weight", 3072, 8192],
    ]);
    const mini = architectureMetadata(parseHfConfig(phi3Mini4kConfig()), "f32");
    expect(["context_length", "attention.sliding_window", "rope.dimension_count"].map((key) => mini.get(`phi3.${key}`)?.value)).toEqual([
      2047, 2047, 96,
    ]);
    expect(mini.has("phi3.rope.scaling.attn_factor")).toBe(false);
    // llama.cpp pads contexts to multiples of 256: a pretrained context of 1,000 keeps the short factors up to 768
    expect(
      phi3ContextLength(parseHfConfig(phi4MiniConfig({ original_max_position_embeddings: 1000, max_position_embeddings: 32_000 }))),
    ).toBe(768);
    expect(() =>
      ggufArchitecture(parseHfConfig(phi4MiniConfig({ original_max_position_embeddings: 200, max_position_embeddings: 6400 }))),
    ).toThrow(
      /llama.cpp would not run this Phi-3 model as it is: its longrope short factors apply within 200 positions.*multiple of 256 positions and then takes the long factors.*merged safetensors/,
    );
    expect(() => ggufArchitecture({ ...phi4, headDim: 64 })).toThrow(/24 heads of 64 make 1536 query dims.*hidden size \(3072\)/);
  });
});
