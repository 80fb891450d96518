// auto's base_quantization: the frozen base's bytes as the LoRA trainer holds them (counted from safetensors headers by
// hand below), the half-of-memory rule at its edge, continuing an 8-bit adapter, and the warning when even 8 bits is
// too much.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatBytes, machineMemoryBytes } from "../machine-memory.ts";
import { writeSafetensors } from "../safetensors-write.ts";
import { autoBaseQuantization, baseMemoryWarning, baseWeightBytes } from "./base-memory.ts";

const dir = mkdtempSync(join(tmpdir(), "tunelab-base-memory-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("baseWeightBytes", () => {
  it("counts matrices as stored (bf16: 2 bytes, f32: 4) or in Q8 blocks (32 int8 + a float32 scale), vectors as float32", () => {
    const halves = join(dir, "model-00001-of-00002.safetensors");
    const floats = join(dir, "model-00002-of-00002.safetensors");
    writeSafetensors(
      halves,
      [
        { name: "w", shape: [64, 32], data: new Float32Array(64 * 32) },
        { name: "norm", shape: [32], data: new Float32Array(32) },
      ],
      "BF16",
    );
    writeSafetensors(
      floats,
      [
        { name: "odd", shape: [10, 7], data: new Float32Array(70) },
        { name: "bias", shape: [5], data: new Float32Array(5) },
      ],
      "F32",
    );
    // bf16 file: 2,048 × 2 = 4,096 as stored, 2,048 + 4 × 64 blocks = 2,304 in Q8; its 32-vector 128 either way.
    // f32 file: 70 × 4 = 280 as stored, 70 + 4 × 3 blocks = 82 in Q8; its 5-vector 20 either way.
    expect(baseWeightBytes([halves, floats])).toEqual({
      asStored: 4096 + 128 + 280 + 20,
      q8: 2304 + 128 + 82 + 20,
      // Q4: 20 bytes per block of 32 (64 blocks; 3 for the 70 values, the last padded)
      q4: 20 * 64 + 128 + 20 * 3 + 20,
      params: 2048 + 32 + 70 + 5,
    });
    expect(baseWeightBytes([])).toEqual({ asStored: 0, q8: 0, q4: 0, params: 0 });
  });
});

describe("autoBaseQuantization", () => {
  const weights = { asStored: 400, q8: 225, q4: 125, params: 200 };
  it("keeps the base as stored up to half of the memory and holds it in 8 bits above", () => {
    expect(autoBaseQuantization({ weights, memoryBytes: 800 }).value).toBe("none");
    expect(autoBaseQuantization({ weights, memoryBytes: 799 })).toEqual({
      value: "q8_0",
      reason: "q8_0: the base takes 400 bytes as stored, more than 50% of this machine's 799 bytes of memory; in 8 bits 225 bytes",
    });
    expect(autoBaseQuantization({ weights, memoryBytes: 800 }).reason).toBe(
      "none: the base takes 400 bytes as stored, within 50% of this machine's 800 bytes of memory",
    );
  });

  it("holds it in 4 bits when even 8 bits would take more than half", () => {
    expect(autoBaseQuantization({ weights, memoryBytes: 450 }).value).toBe("q8_0");
    expect(autoBaseQuantization({ weights, memoryBytes: 449 })).toEqual({
      value: "q4_0",
      reason:
        "q4_0: the base takes 400 bytes as stored, more than 50% of this machine's 449 bytes of memory, and 225 bytes in 8 bits; in 4 bits 125 bytes",
    });
  });

  it("keeps a quantized adapter's base as it trained whatever the memory, and the stored base when its size is unknown", () => {
    expect(autoBaseQuantization({ weights, memoryBytes: 1e12, continues: "q8_0" })).toEqual({
      value: "q8_0",
      reason: "q8_0: the adapter being continued was trained on the base in 8 bits",
    });
    expect(autoBaseQuantization({ weights, memoryBytes: 1e12, continues: "q4_0" })).toEqual({
      value: "q4_0",
      reason: "q4_0: the adapter being continued was trained on the base in 4 bits",
    });
    expect(autoBaseQuantization({ memoryBytes: 10 }).value).toBe("none");
  });
});

describe("baseMemoryWarning", () => {
  const weights = { asStored: 400, q8: 225, q4: 125, params: 200 };
  it("warns when the base as it will be held takes more than half of the memory, with what to try", () => {
    expect(baseMemoryWarning(weights, "none", 800)).toBeUndefined();
    expect(baseMemoryWarning(weights, "none", 600)).toMatch(/take 400 bytes as stored, .* Consider base_quantization q8_0 .*, q4_0/);
    expect(baseMemoryWarning(weights, "q8_0", 600)).toBeUndefined();
    expect(baseMemoryWarning(weights, "q8_0", 400)).toMatch(/take 225 bytes in 8 bits, more than half of this machine's 400 bytes.*q4_0/);
    expect(baseMemoryWarning(weights, "q4_0", 250)).toBeUndefined();
    expect(baseMemoryWarning(weights, "q4_0", 249)).toMatch(/take 125 bytes in 4 bits, .* Consider a smaller model\.$/);
    // full fine-tuning: 16 bytes a parameter (200 × 16 = 3,200)
    expect(baseMemoryWarning(weights, "full", 6400)).toBeUndefined();
    expect(baseMemoryWarning(weights, "full", 6399)).toMatch(
      /^Full fine-tuning .* 16 bytes for each of this model's 200 parameters: 3\.1 KiB, more than half of this machine's 6\.2 KiB .*Consider LoRA/,
    );
  });
});

describe("machine memory", () => {
  it("is the machine's memory or a lower container limit", () => {
    const bytes = machineMemoryBytes();
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(totalmem());
  });

  it("formats bytes for people", () => {
    expect(formatBytes(512)).toBe("512 bytes");
    expect(formatBytes(234_872)).toBe("229 KiB");
    expect(formatBytes(14.5 * 1024 ** 3)).toBe("14.5 GiB");
    expect(formatBytes(3 * 1024 ** 2)).toBe("3.0 MiB");
  });
});
