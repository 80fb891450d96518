/**
 * servedBase: adapters served on one base share its weights in memory (loaded once while any served model holds them),
 * each with a decoder object of its own (its adapter and prefix cache apart); another way of holding the weights, or
 * other kernels, loads it anew.
 */
import { cpSync, mkdtempSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { nativeKernels } from "../trainer/kernels/native.ts";
import { Rng } from "../trainer/train/rng.ts";
import { servedBase } from "./load.ts";
import { LoraSettings } from "./lora/settings.ts";
import { randomLora } from "./lora/test-support/sft-dpo-step.ts";
import { HfDecoder } from "./model/decoder.ts";
import { LINEAR_PROJECTIONS } from "./tensor-names.ts";

const DIR = fileURLToPath(new URL("../../fixtures/hf/qwen2/", import.meta.url));
const k = nativeKernels();

describe("bases of served models", () => {
  it("are loaded once for every adapter on them, each adapter apart", () => {
    const a = servedBase(DIR, k, undefined);
    const b = servedBase(`${DIR}/`, k, undefined);
    expect(b).not.toBe(a);
    expect(b.weights).toBe(a.weights);
    expect(b.rope).toBe(a.rope);
    a.lora = randomLora(k, a.arch, LoraSettings.parse({ rank: 4, alpha: 8, dropout: 0, targets: [...LINEAR_PROJECTIONS] }), new Rng(2));
    expect(b.lora).toBeUndefined();
    const logits = (m: typeof a) => new HfDecoder(m, 8).feed([1, 2, 3]);
    expect([...logits(a)]).not.toEqual([...logits(b)]);
    expect([...logits(b)]).toEqual([...logits(servedBase(DIR, k, undefined))]);
  });

  it("rewritten on disk since, are loaded anew", () => {
    const copy = mkdtempSync(join(tmpdir(), "tunelab-served-base-"));
    try {
      cpSync(DIR, copy, { recursive: true });
      const before = servedBase(copy, k, undefined);
      const file = join(copy, "model.safetensors");
      utimesSync(file, new Date(), new Date(Date.now() + 5000));
      expect(servedBase(copy, k, undefined).weights).not.toBe(before.weights);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it("held another way (8 bits) or with other kernels, are another copy", () => {
    const plain = servedBase(DIR, k, undefined);
    expect(servedBase(DIR, k, "q8_0").weights).not.toBe(plain.weights);
    expect(servedBase(DIR, k, "q8_0").weights).toBe(servedBase(DIR, k, "q8_0").weights);
    expect(servedBase(DIR, { ...k }, undefined).weights).not.toBe(plain.weights);
  });
});
