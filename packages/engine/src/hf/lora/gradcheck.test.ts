import { describe, expect, it } from "vitest";
import { referenceKernels } from "../../trainer/reference/index.ts";
import { Rng } from "../../trainer/train/rng.ts";
import type { HfArchitecture } from "../config.ts";
import { HfDecoder } from "../model/decoder.ts";
import { randomDecoderModel, TINY_ARCH, TINY_GEMMA2, TINY_GRANITE, TINY_PHI3 } from "../test-support/random-model.ts";
import { LoraParams, loraLayout } from "./params.ts";
import { DEFAULT_LORA, type LoraSettings } from "./settings.ts";
import { LoraTrainModel } from "./train-model.ts";

const VARIANTS: Array<[string, HfArchitecture, LoraSettings]> = [
  ["llama (GQA, untied)", TINY_ARCH, { ...DEFAULT_LORA, rank: 3, alpha: 6 }],
  [
    "qwen2 (q/k/v bias, tied, llama3 rope)",
    {
      ...TINY_ARCH,
      modelType: "qwen2",
      qkvBias: true,
      tiedEmbeddings: true,
      ropeScaling: { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8 },
    },
    { ...DEFAULT_LORA, rank: 2, alpha: 3 },
  ],
  [
    "qwen3 (q/k norm, head_dim 6 ≠ hidden/heads)",
    { ...TINY_ARCH, modelType: "qwen3", qkNorm: true, headDim: 6 },
    { ...DEFAULT_LORA, rank: 2, alpha: 2 },
  ],
  ["smollm3 (layer 1 without RoPE)", { ...TINY_ARCH, modelType: "smollm3", noRopeLayers: [1] }, { ...DEFAULT_LORA, rank: 2, alpha: 2 }],
  [
    "gemma3 (scaled embeddings, output norms, GeGLU, layer 0 with a sliding window of 2 and its own RoPE)",
    {
      ...TINY_ARCH,
      modelType: "gemma3_text",
      architecture: "Gemma3ForCausalLM",
      qkNorm: true,
      tiedEmbeddings: true,
      gemma: { embedScale: 2.5, attnScale: 0.4, slidingWindow: 2, slidingLayers: [0], localRopeTheta: 100 },
    },
    { ...DEFAULT_LORA, rank: 2, alpha: 2 },
  ],
  [
    "gemma2 (soft-capped scores and logits, layer 0 with a sliding window of 2, no q/k norms)",
    TINY_GEMMA2,
    { ...DEFAULT_LORA, rank: 2, alpha: 2 },
  ],
  [
    "phi3 (4 of 6 head dims rotate, longrope short factors and attention factor 1.3, every layer with a sliding window of 2)",
    TINY_PHI3,
    { ...DEFAULT_LORA, rank: 2, alpha: 2 },
  ],
  ["granite (embedding, attention, residual multipliers and logits scaling)", TINY_GRANITE, { ...DEFAULT_LORA, rank: 2, alpha: 2 }],
  ["attention targets only, LoRA dropout 0.3", TINY_ARCH, { rank: 2, alpha: 4, dropout: 0.3, targets: ["q_proj", "v_proj"] }],
];

function setup(arch: HfArchitecture, settings: LoraSettings) {
  const k = referenceKernels("f64");
  const model = randomDecoderModel(arch, k, 3);
  const lora = new LoraParams(k, loraLayout(arch, settings), settings);
  const rng = new Rng(5);
  lora.initialize(rng);
  // Non-zero B, so the gradient of A carries signal too.
  for (const s of lora.layout.slots) {
    const b = lora.B(s);
    for (let i = 0; i < b.length; i++) b[i] = rng.normal() * 0.3;
  }
  return { k, model, lora, rng };
}

describe("LoRA gradients (float64 reference kernels)", () => {
  it.each(VARIANTS)("match central finite differences: %s", (_name, arch, settings) => {
    const { model, lora, rng } = setup(arch, settings);
    const train = new LoraTrainModel(model, lora);
    const B = 2;
    const T = 5;
    const ids = Int32Array.from({ length: B * T }, () => Math.floor(rng.next() * arch.vocab));
    const targets = Int32Array.from({ length: B * T }, () => Math.floor(rng.next() * arch.vocab));
    const weights = Float32Array.from({ length: B * T }, (_, i) => (i % 5 === 4 ? 0 : rng.next() < 0.8 ? 1 : 0.5));
    const seed = 77;
    const loss = () => {
      train.forward(ids, B, T, seed);
      return train.loss(targets, weights, false).lossSum;
    };
    train.forward(ids, B, T, seed);
    train.loss(targets, weights, true);
    train.backward();
    const grads = Float64Array.from(lora.grads);
    let checked = 0;
    for (const slot of lora.layout.slots) {
      for (const [start, size] of [
        [slot.a, settings.rank * slot.in],
        [slot.b, slot.out * settings.rank],
      ] as const) {
        for (let s = 0; s < 2; s++) {
          const i = start + Math.floor(rng.next() * size);
          const orig = lora.params[i] as number;
          const eps = 1e-5;
          lora.params[i] = orig + eps;
          const up = loss();
          lora.params[i] = orig - eps;
          const down = loss();
          lora.params[i] = orig;
          const numeric = (up - down) / (2 * eps);
          const analytic = grads[i] as number;
          const err = Math.abs(numeric - analytic) / Math.max(1e-6, Math.abs(numeric) + Math.abs(analytic));
          expect(err, `layer ${slot.layer} ${slot.projection} [${i - start}] numeric ${numeric} analytic ${analytic}`).toBeLessThan(1e-5);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(10);
  });

  it("the training forward pass gives the decoder's logits (B = 0 adapters: the base model)", () => {
    const arch: HfArchitecture = { ...TINY_ARCH, qkNorm: true, qkvBias: true };
    const { k, model, lora } = setup(arch, DEFAULT_LORA);
    lora.params.fill(0);
    const ids = Int32Array.from([1, 4, 2, 9, 3, 7]);
    const T = ids.length;
    const train = new LoraTrainModel(model, lora);
    train.forward(ids, 1, T);
    // Teacher-forced targets: the loss of target t is −log p(target | prefix) from the decoder's logits.
    const targets = Int32Array.from([4, 2, 9, 3, 7, 0]);
    const weights = new Float32Array(T).fill(1);
    const trainLoss = train.loss(targets, weights, false).lossSum;
    const decoder = new HfDecoder(model, T);
    // The incremental decoder fed one token at a time (the KV-cache path).
    let decoderLoss = 0;
    for (let t = 0; t < T; t++) {
      const logits = decoder.feed([ids[t] as number]);
      let max = Number.NEGATIVE_INFINITY;
      for (const v of logits) max = Math.max(max, v);
      let sum = 0;
      for (const v of logits) sum += Math.exp(v - max);
      decoderLoss += max + Math.log(sum) - (logits[targets[t] as number] as number);
    }
    expect(k.name).toBe("reference-f64");
    expect(Math.abs(trainLoss - decoderLoss)).toBeLessThan(1e-4);
  });
});
