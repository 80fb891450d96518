/**
 * Gradient checkpointing (train-model.ts): saving only each layer's input and running the layer's forward again in
 * the backward pass gives the same losses and gradients, to the bit, as saving every layer's activations (LoRA with
 * dropout, GQA, q/k/v bias and q/k norm; full fine-tuning; DPO's two forwards), and keeps about one layer's
 * activations instead of every layer's. The saved-activation estimate the automatic choice uses is checked against
 * the array buffers a forward pass actually allocates.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { nativeKernels } from "../../trainer/kernels/native.ts";
import type { Kernels, Vec } from "../../trainer/kernels/types.ts";
import { referenceKernels } from "../../trainer/reference/index.ts";
import { Rng } from "../../trainer/train/rng.ts";
import type { TrainingNotice } from "../../trainer/types.ts";
import type { HfArchitecture } from "../config.ts";
import { flatten, fullLayout, weightViews } from "../full/params.ts";
import { FIXTURES_DIR } from "../test-support/broken-checkpoints.ts";
import { randomDecoderModel } from "../test-support/random-model.ts";
import { runLoraTraining } from "./loop.ts";
import { LoraParams, loraLayout } from "./params.ts";
import { DEFAULT_LORA, LoraSettings } from "./settings.ts";
import { randomLora, sftAndDpoStep, WIDE_ARCH } from "./test-support/sft-dpo-step.ts";
import { type Checkpointing, LoraTrainModel } from "./train-model.ts";

const ARCH: HfArchitecture = { ...WIDE_ARCH, layers: 3 };

function batch(rng: Rng, B: number, T: number, vocab: number) {
  return {
    ids: Int32Array.from({ length: B * T }, () => Math.floor(rng.next() * vocab)),
    targets: Int32Array.from({ length: B * T }, () => Math.floor(rng.next() * vocab)),
    weights: Float32Array.from({ length: B * T }, (_, i) => (i % 4 === 0 ? 0 : 1)),
  };
}

function loraRun(k: Kernels, checkpointing: Checkpointing) {
  const model = randomDecoderModel(ARCH, k, 6, 0.3);
  const rng = new Rng(17);
  const settings = { ...DEFAULT_LORA, rank: 4, alpha: 8, dropout: 0.1, targets: ["q_proj", "v_proj", "up_proj", "down_proj"] };
  const lora = randomLora(k, ARCH, LoraSettings.parse(settings), rng);
  const net = new LoraTrainModel(model, lora, null, checkpointing);
  return { recomputes: () => net.recomputes, ...sftAndDpoStep(net, lora, rng, ARCH.vocab) };
}

describe("gradient checkpointing", () => {
  it("gives LoRA (with dropout) and DPO the same losses and gradients, to the bit", () => {
    const saved = loraRun(nativeKernels(), "never");
    const recomputed = loraRun(nativeKernels(), "always");
    expect(saved.recomputes()).toBe(false);
    expect(recomputed.recomputes()).toBe(true);
    expect(recomputed.sft).toBe(saved.sft);
    expect(recomputed.dpo).toBe(saved.dpo);
    expect(Array.from(recomputed.sftGrads)).toEqual(Array.from(saved.sftGrads));
    expect(Array.from(recomputed.dpoGrads)).toEqual(Array.from(saved.dpoGrads));
    expect(saved.sftGrads.some((g) => g !== 0)).toBe(true);
  });

  it("gives full fine-tuning the same gradients for every weight", () => {
    const grads = (checkpointing: Checkpointing) => {
      const k = referenceKernels("f64");
      const arch = { ...ARCH, modelType: "qwen3" as const, qkvBias: false };
      const loaded = randomDecoderModel(arch, k, 8);
      const layout = fullLayout(arch);
      const params = flatten(k, arch, layout, loaded.weights);
      const flat = k.alloc(layout.size);
      const net = new LoraTrainModel(
        { ...loaded, weights: weightViews(arch, layout, params) },
        null,
        { grads: weightViews(arch, layout, flat), flat },
        checkpointing,
      );
      const { ids, targets, weights } = batch(new Rng(21), 2, 7, arch.vocab);
      net.forward(ids, 2, 7);
      const loss = net.loss(targets, weights, true).lossSum;
      net.backward();
      return { loss, grads: Array.from(flat as Vec) };
    };
    const saved = grads("never");
    const recomputed = grads("always");
    expect(recomputed.loss).toBe(saved.loss);
    expect(recomputed.grads).toEqual(saved.grads);
  });

  it("keeps one layer's activations and the layers' inputs, and the estimate matches what a forward allocates", () => {
    const k = nativeKernels();
    const arch: HfArchitecture = {
      ...ARCH,
      hidden: 128,
      intermediate: 384,
      layers: 8,
      heads: 4,
      kvHeads: 2,
      headDim: 32,
      vocab: 64,
      maxPositions: 128,
    };
    const model = randomDecoderModel(arch, k, 3, 0.2);
    const lora = new LoraParams(k, loraLayout(arch, DEFAULT_LORA), DEFAULT_LORA);
    const { ids } = batch(new Rng(5), 4, 128, arch.vocab);
    const allocated = (checkpointing: Checkpointing) => {
      const before = process.memoryUsage().arrayBuffers;
      const net = new LoraTrainModel(model, lora, null, checkpointing);
      net.forward(ids, 4, 128);
      return { net, bytes: process.memoryUsage().arrayBuffers - before };
    };
    const saved = allocated("never");
    const recomputed = allocated("always");
    const R = 4 * 128;
    // every layer's activations, plus the step's scratch buffers (a few layers' worth at most)
    const estimate = R * saved.net.activationBytesPerToken();
    expect(saved.bytes).toBeGreaterThan(estimate);
    expect(saved.bytes).toBeLessThan(1.5 * estimate);
    // 8 layers: one layer's activations and 8 layer inputs instead of 8 layers' activations
    expect(recomputed.bytes / saved.bytes).toBeLessThan(0.45);
  });
});

describe("a LoRA training run whose batches' activations exceed the budget", () => {
  const out = mkdtempSync(join(tmpdir(), "tunelab-checkpointing-"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  const run = async (name: string, activationBudgetBytes?: number) => {
    const notices: TrainingNotice[] = [];
    await runLoraTraining(
      {
        base: { hf: { name: "tiny-qwen2", dir: join(FIXTURES_DIR, "qwen2"), fingerprint: "test" } },
        training: Array.from({ length: 8 }, (_, i) => ({
          messages: [
            { role: "user" as const, content: `ticket number ${i}: the invoice is wrong` },
            { role: "assistant" as const, content: i % 2 ? "billing" : "bug" },
          ],
        })),
        hyperparameters: { nEpochs: 2, batchSize: 2, learningRateMultiplier: 1 },
        lora: { rank: 4, alpha: 8, dropout: 0.1, targets: ["q_proj", "v_proj", "down_proj"] },
        seed: 3,
        outputDir: join(out, name),
        checkpointEvery: 1000,
        ...(activationBudgetBytes === undefined ? {} : { activationBudgetBytes }),
      },
      { onNotice: (notice) => notices.push(notice) },
    );
    return { notices, adapter: readFileSync(join(out, name, "final", "adapter_model.safetensors")) };
  };

  it("recomputes them, says so once in the job's notices, and trains the same adapter to the byte", async () => {
    const saved = await run("saved");
    const recomputed = await run("recomputed", 1);
    expect(saved.notices.filter((n) => n.message.includes("Gradient checkpointing"))).toEqual([]);
    const notices = recomputed.notices.filter((n) => n.message.includes("Gradient checkpointing"));
    expect(notices).toHaveLength(1);
    expect(notices[0]?.data).toMatchObject({ batch_size: 2 });
    expect(recomputed.adapter.equals(saved.adapter)).toBe(true);
  }, 120_000);
});
