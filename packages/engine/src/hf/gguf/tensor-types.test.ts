/** The Q4_K_M mix as llama.cpp's llama-quantize chooses it (llama-quant.cpp), and its fallbacks for odd row lengths. */
import { describe, expect, it } from "vitest";
import { nativeKernels } from "../../trainer/kernels/native.ts";
import { parseHfConfig } from "../config.ts";
import { randomDecoderModel, TINY_ARCH } from "../test-support/random-model.ts";
import { phi3Mini4kConfig } from "../test-support/real-configs.ts";
import { architectureMetadata, modelTensors } from "./model-tensors.ts";
import { matrixType, useMoreBits } from "./tensor-types.ts";

const k = nativeKernels();

describe("the Q4_K_M mix", () => {
  it("gives attn_v and ffn_down more bits in the first and last eighth of the layers and every third between", () => {
    const layers = (n: number) => Array.from({ length: n }, (_, i) => i).filter((i) => useMoreBits(i, n));
    expect(layers(2)).toEqual([1]);
    expect(layers(8)).toEqual([0, 3, 6, 7]);
    expect(layers(16)).toEqual([0, 1, 4, 7, 10, 13, 14, 15]);
    // Llama 3.2 1B has 16 layers, Qwen2.5 7B 28
    expect(layers(28)).toEqual([0, 1, 2, 5, 8, 11, 14, 17, 20, 23, 24, 25, 26, 27]);
  });

  it("writes an 8-layer model with 256-wide rows as llama-quantize would, with file type 15", () => {
    const arch = { ...TINY_ARCH, hidden: 256, intermediate: 512, layers: 8, heads: 4, kvHeads: 2, headDim: 64, vocab: 40 };
    const model = randomDecoderModel(arch, k, 1, 0.5);
    const types = Object.fromEntries(modelTensors(model, "q4_k_m").map((t) => [t.name, t.type]));
    const expected: Record<string, string> = { "token_embd.weight": "Q4_K", "output.weight": "Q6_K" };
    for (let l = 0; l < 8; l++) {
      const more = [0, 3, 6, 7].includes(l) ? "Q6_K" : "Q4_K";
      Object.assign(expected, {
        [`blk.${l}.attn_norm.weight`]: "F32",
        [`blk.${l}.attn_q.weight`]: "Q4_K",
        [`blk.${l}.attn_k.weight`]: "Q4_K",
        [`blk.${l}.attn_v.weight`]: more,
        [`blk.${l}.attn_output.weight`]: "Q4_K",
        [`blk.${l}.ffn_gate.weight`]: "Q4_K",
        [`blk.${l}.ffn_up.weight`]: "Q4_K",
        [`blk.${l}.ffn_down.weight`]: more,
        [`blk.${l}.ffn_norm.weight`]: "F32",
      });
    }
    expected["output_norm.weight"] = "F32";
    expect(types).toEqual(expected);
    const meta = architectureMetadata(arch, "q4_k_m");
    expect(meta.get("general.file_type")).toEqual({ type: "u32", value: 15 });
    expect(meta.get("general.quantization_version")).toEqual({ type: "u32", value: 2 });
    const tied = Object.fromEntries(
      modelTensors(randomDecoderModel({ ...arch, tiedEmbeddings: true }, k), "q4_k_m").map((t) => [t.name, t.type]),
    );
    expect(tied["token_embd.weight"]).toBe("Q6_K"); // tied: quantized as the output
    expect(tied["output.weight"]).toBeUndefined();
  });

  it("gives Phi-3's stacked attn_qkv attn_v's types (llama.cpp counts it among the attn_v-like tensors), its ffn_up the default", () => {
    const phi3 = parseHfConfig(
      phi3Mini4kConfig({
        hidden_size: 256,
        intermediate_size: 512,
        num_hidden_layers: 8,
        num_attention_heads: 4,
        num_key_value_heads: 2,
        vocab_size: 64,
      }),
    );
    const types = Object.fromEntries(modelTensors(randomDecoderModel(phi3, k, 1, 0.5), "q4_k_m").map((t) => [t.name, t.type]));
    for (let l = 0; l < 8; l++) {
      const more = [0, 3, 6, 7].includes(l) ? "Q6_K" : "Q4_K";
      expect([types[`blk.${l}.attn_qkv.weight`], types[`blk.${l}.ffn_up.weight`], types[`blk.${l}.ffn_down.weight`]], `layer ${l}`).toEqual(
        [more, "Q4_K", more],
      );
    }
  });

  it("falls back as llama.cpp does for rows that are not a multiple of 256: Q4_K to Q5_0, Q6_K to Q8_0; F16 when not of 32 either", () => {
    const layer = { kind: "layer", projection: "attn_q", layer: 0, layers: 2 } as const;
    expect(matrixType("q4_k_m", layer, 2048)).toBe("Q4_K");
    expect(matrixType("q4_k_m", layer, 160)).toBe("Q5_0");
    expect(matrixType("q4_k_m", { kind: "token_embd", tied: false }, 896)).toBe("Q5_0"); // Qwen2.5 0.5B's hidden size
    expect(matrixType("q4_k_m", { kind: "token_embd", tied: true }, 896)).toBe("Q8_0");
    expect(matrixType("q4_k_m", { ...layer, projection: "attn_v", layer: 0 }, 160)).toBe("Q5_0"); // Q4_K in layer 0 of 2
    expect(matrixType("q4_k_m", { ...layer, projection: "ffn_down", layer: 1 }, 160)).toBe("Q8_0");
    expect(matrixType("q4_k_m", { kind: "output" }, 64)).toBe("Q8_0");
    expect(matrixType("q4_k_m", { kind: "output" }, 72)).toBe("F16");
    expect(matrixType("q4_k_m", layer, 72)).toBe("F16");
    expect(matrixType("q8_0", { kind: "output" }, 72)).toBe("F16");
    expect(matrixType("f32", { kind: "output" }, 72)).toBe("F32");
  });
});
