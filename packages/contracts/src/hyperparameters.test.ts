import { describe, expect, it } from "vitest";
import { expandLoraTargets, HyperparameterFields, LoraTargetModules } from "./hyperparameters.ts";

describe("LoRA target modules", () => {
  it("read Phi-3's stacked PEFT names as the projections they hold, in the order given, without repeats", () => {
    expect(LoraTargetModules.parse(["qkv_proj", "o_proj"])).toEqual(["q_proj", "k_proj", "v_proj", "o_proj"]);
    expect(LoraTargetModules.parse(["gate_up_proj", "up_proj", "down_proj"])).toEqual(["gate_proj", "up_proj", "down_proj"]);
    expect(expandLoraTargets(["v_proj", "qkv_proj"])).toEqual(["v_proj", "q_proj", "k_proj"]);
    expect(LoraTargetModules.parse("all-linear")).toBe("all-linear");
    expect(HyperparameterFields.parse({ lora_target_modules: ["qkv_proj"] })).toEqual({
      lora_target_modules: ["q_proj", "k_proj", "v_proj"],
    });
  });

  it("refuse other names, and an empty list", () => {
    expect(LoraTargetModules.safeParse(["qkv"]).success).toBe(false);
    expect(LoraTargetModules.safeParse(["q_proj", "W_pack"]).success).toBe(false);
    expect(LoraTargetModules.safeParse([]).success).toBe(false);
  });
});
