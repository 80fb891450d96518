import { describe, expect, it } from "vitest";
import { attentionScale, embeddingScale, hfParameterCount, logitScale, parseHfConfig, residualScale } from "./config.ts";
import { ggufArchitecture, permutesRotaryRows } from "./gguf/model-tensors.ts";
import { granite33_2bConfig } from "./test-support/real-configs.ts";

describe("Granite 3.x config.json (GraniteForCausalLM)", () => {
  it("granite-3.3-2b-instruct: Llama's layout with its four scalars", () => {
    const a = parseHfConfig(granite33_2bConfig());
    expect(a).toMatchObject({ modelType: "granite", layers: 40, heads: 32, kvHeads: 8, headDim: 64, tiedEmbeddings: true, qkNorm: false });
    expect(embeddingScale(a)).toBe(12);
    expect(attentionScale(a)).toBe(0.015625); // not 64^-1/2 = 0.125
    expect(residualScale(a)).toBe(0.22);
    expect(logitScale(a)).toBe(1 / 8);
    // granite-3.3-2b is published as 2.53B parameters
    expect(hfParameterCount(a) / 1e9).toBeCloseTo(2.53, 2);
    // llama.cpp's granite rotates interleaved pairs, as its llama does
    expect(ggufArchitecture(a)).toBe("granite");
    expect(permutesRotaryRows(a)).toBe(true);
  });

  it("takes GraniteConfig's defaults (1) for missing scalars", () => {
    const {
      embedding_multiplier: _e,
      attention_multiplier: _a,
      residual_multiplier: _r,
      logits_scaling: _l,
      ...bare
    } = granite33_2bConfig();
    const a = parseHfConfig(bare);
    expect([embeddingScale(a), attentionScale(a), residualScale(a), logitScale(a)]).toEqual([1, 1, 1, 1]);
  });
});
