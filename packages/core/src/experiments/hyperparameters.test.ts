import { describe, expect, it } from "vitest";
import { parseLoraTargets } from "./hyperparameters.ts";

describe("parseLoraTargets (the command line's --lora-target-modules)", () => {
  it("reads a comma list, all-linear and auto", () => {
    expect(parseLoraTargets(" q_proj, v_proj ")).toEqual(["q_proj", "v_proj"]);
    expect(parseLoraTargets("all-linear")).toBe("all-linear");
    expect(parseLoraTargets("auto")).toBe("auto");
  });

  it("takes Phi-3's PEFT names for the projections they stack, each once", () => {
    expect(parseLoraTargets("qkv_proj,o_proj")).toEqual(["q_proj", "k_proj", "v_proj", "o_proj"]);
    expect(parseLoraTargets("gate_up_proj,up_proj,down_proj")).toEqual(["gate_proj", "up_proj", "down_proj"]);
  });

  it("refuses an unknown name, listing what it takes", () => {
    expect(() => parseLoraTargets("q_proj,qkv")).toThrow(
      'unknown target module "qkv"; use all-linear or a comma list of q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj (or Phi-3\'s qkv_proj, gate_up_proj)',
    );
  });
});
