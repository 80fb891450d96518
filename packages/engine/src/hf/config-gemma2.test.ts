import { describe, expect, it } from "vitest";
import { attentionScale, attentionSoftcap, attentionWindow, finalSoftcap, hfParameterCount, parseHfConfig } from "./config.ts";
import { inverseFrequencies } from "./model/rope.ts";
import { expectedTensors } from "./tensor-names.ts";
import { gemma2_2bItConfig } from "./test-support/real-configs.ts";

describe("Gemma 2's config.json (Gemma2ForCausalLM)", () => {
  it("gemma-2-2b-it: soft-capped scores (50) and logits (30), the even layers local (4,096 keys), one RoPE base, no q/k norms", () => {
    const a = parseHfConfig(gemma2_2bItConfig());
    expect(a).toMatchObject({ modelType: "gemma2", headDim: 256, qkNorm: false, tiedEmbeddings: true, ropeTheta: 10_000 });
    expect(attentionSoftcap(a)).toBe(50);
    expect(finalSoftcap(a)).toBe(30);
    expect(attentionScale(a)).toBe(256 ** -0.5);
    expect(Array.from({ length: 6 }, (_, l) => attentionWindow(a, l))).toEqual([4096, 0, 4096, 0, 4096, 0]);
    // the local layers rotate with the same base as the others
    expect(Array.from(inverseFrequencies(a, "local"))).toEqual(Array.from(inverseFrequencies(a, "global")));
    // float32 checkpoint: sqrt(2304) = 48 exactly
    expect(a.gemma?.embedScale).toBe(48);
    // four norms a layer, no q_norm / k_norm tensors
    const layer0 = expectedTensors(a)
      .filter((t) => t.name.startsWith("model.layers.0."))
      .map((t) => t.name);
    expect(layer0.filter((n) => n.includes("norm"))).toEqual([
      "model.layers.0.input_layernorm.weight",
      "model.layers.0.post_attention_layernorm.weight",
      "model.layers.0.pre_feedforward_layernorm.weight",
      "model.layers.0.post_feedforward_layernorm.weight",
    ]);
    // gemma-2-2b is published as 2.61B parameters
    expect(hfParameterCount(a) / 1e9).toBeCloseTo(2.614, 2);
  });

  it("takes layer_types when given, null caps as none, and refuses what it does not run, naming the field", () => {
    expect(
      parseHfConfig(gemma2_2bItConfig({ num_hidden_layers: 2, layer_types: ["full_attention", "sliding_attention"] })).gemma?.slidingLayers,
    ).toEqual([1]);
    const uncapped = parseHfConfig(gemma2_2bItConfig({ attn_logit_softcapping: null, final_logit_softcapping: null }));
    expect([attentionSoftcap(uncapped), finalSoftcap(uncapped)]).toEqual([0, 0]);
    expect(() => parseHfConfig(gemma2_2bItConfig({ attn_logit_softcapping: -1 }))).toThrow(
      /attn_logit_softcapping: -1 is not a positive number/,
    );
    expect(() => parseHfConfig(gemma2_2bItConfig({ rope_scaling: { rope_type: "linear", factor: 2 } }))).toThrow(
      /rope_scaling: RoPE scaling is not supported for Gemma 2/,
    );
    expect(() => parseHfConfig(gemma2_2bItConfig({ hidden_activation: "gelu", hidden_act: "gelu" }))).toThrow(
      /hidden_activation: "gelu" is not supported for Gemma 2/,
    );
  });
});
