import { describe, expect, it } from "vitest";
import { loraSettings, loraTrainableParameters } from "./lora.ts";

// The shapes of the engine's tiny Qwen2 fixture and of SmolLM2-135M (hidden 576, 30 layers, 9 heads, 3 KV heads).
const TINY = { hidden_size: 64, intermediate_size: 160, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2 };
const SMOLLM2 = { hidden_size: 576, intermediate_size: 1536, num_hidden_layers: 30, num_attention_heads: 9, num_key_value_heads: 3 };

describe("LoRA trainable parameters", () => {
  it("counts rank · (in + out) per target projection and layer", () => {
    // q 64→64, k/v 64→32, o 64→64, gate/up 64→160, down 160→64
    expect(loraTrainableParameters(TINY, 1, ["q_proj"])).toBe(2 * (64 + 64));
    expect(loraTrainableParameters(TINY, 4, ["k_proj", "v_proj"])).toBe(2 * 2 * 4 * (64 + 32));
    const all = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"] as const;
    expect(loraTrainableParameters(TINY, 4, all)).toBe(2 * 4 * (128 + 96 + 96 + 128 + 224 + 224 + 224));
    // SmolLM2-135M at rank 16 on every projection: 162,816 per layer × 30 layers
    expect(loraTrainableParameters(SMOLLM2, 16, all)).toBe(4_884_480);
  });

  it("reads head_dim when the config gives one (Qwen3) and names a missing field", () => {
    expect(loraTrainableParameters({ ...TINY, head_dim: 32 }, 1, ["q_proj"])).toBe(2 * (64 + 128));
    expect(() => loraTrainableParameters({ hidden_size: 64 }, 4, ["q_proj"])).toThrow(/^config\.json: intermediate_size: /);
  });

  it("uses what the provider resolved, else what was asked, else auto's values", () => {
    const requested = { n_epochs: "auto", batch_size: "auto", learning_rate_multiplier: "auto" } as const;
    expect(loraSettings({ requested, resolved: null })).toMatchObject({ rank: 16, alpha: 32, dropout: 0, resolved: false });
    expect(
      loraSettings({ requested: { ...requested, lora_rank: 4, lora_target_modules: ["v_proj", "q_proj"] }, resolved: null }),
    ).toMatchObject({
      rank: 4,
      alpha: 32,
      targets: ["q_proj", "v_proj"],
    });
    const resolved = { lora_rank: 8, lora_alpha: 16, lora_dropout: 0.05, lora_target_modules: ["o_proj"] };
    expect(loraSettings({ requested, resolved })).toEqual({ rank: 8, alpha: 16, dropout: 0.05, targets: ["o_proj"], resolved: true });
  });
});
