import { describe, expect, it } from "vitest";
import { attentionScale, attentionWindow, contextLimit, hfParameterCount, parseHfConfig } from "./config.ts";
import { gemma3_4bItConfig } from "./test-support/real-configs.ts";

describe("an image-text checkpoint's config.json (Gemma 3 4B–27B: its language model)", () => {
  it("reads gemma-3-4b-it's sparse text_config over Gemma3TextConfig's defaults", () => {
    const a = parseHfConfig(gemma3_4bItConfig());
    expect(a).toMatchObject({
      modelType: "gemma3_text",
      architecture: "Gemma3ForConditionalGeneration",
      imageText: true,
      hidden: 2560,
      intermediate: 10_240,
      layers: 34,
      heads: 8,
      kvHeads: 4,
      headDim: 256,
      vocab: 262_208,
      tiedEmbeddings: true,
      ropeTheta: 1_000_000,
      ropeLinearFactor: 8,
    });
    expect(a.gemma).toMatchObject({ slidingWindow: 1024, localRopeTheta: 10_000 });
    // every 6th layer global (sliding_window_pattern 6): 5, 11, …, 29
    expect(Array.from({ length: 34 }, (_, l) => l).filter((l) => attentionWindow(a, l) === 0)).toEqual([5, 11, 17, 23, 29]);
    expect(attentionScale(a)).toBe(256 ** -0.5);
    expect(contextLimit(a)).toBe(131_072);
    // the embedding scale is rounded to the whole's dtype (bf16): sqrt(2560) = 50.596 → 50.5
    expect(a.gemma?.embedScale).toBe(50.5);
    // 4.30B in all, of which the vision tower and projector take about 0.42B
    expect(hfParameterCount(a) / 1e9).toBeCloseTo(3.88, 2);
  });

  it("refuses what its language model's config would be refused for, naming text_config", () => {
    expect(() => parseHfConfig(gemma3_4bItConfig({ final_logit_softcapping: 30 }))).toThrow(
      /config.json \(text_config\): final_logit_softcapping: logit soft-capping \(30\) is not supported/,
    );
    expect(() => parseHfConfig(gemma3_4bItConfig({ model_type: "llama" }))).toThrow(
      /text_config.model_type: "llama" is not supported; expected gemma3_text/,
    );
    expect(() => parseHfConfig({ ...gemma3_4bItConfig(), text_config: undefined })).toThrow(/text_config: missing/);
    expect(() => parseHfConfig({ ...gemma3_4bItConfig(), architectures: ["Gemma3ForCausalLM"] })).toThrow(
      /architectures: \["Gemma3ForCausalLM"\] is not supported for model_type gemma3; expected Gemma3ForConditionalGeneration/,
    );
    expect(() => parseHfConfig({ ...gemma3_4bItConfig(), quantization_config: { bits: 4 } })).toThrow(/quantization_config/);
  });
});
