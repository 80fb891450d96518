import { describe, expect, it } from "vitest";
import type { Vec } from "../../trainer/kernels/types.ts";
import { referenceKernels } from "../../trainer/reference/index.ts";
import { Rng } from "../../trainer/train/rng.ts";
import type { HfArchitecture } from "../config.ts";
import { LoraTrainModel } from "../lora/train-model.ts";
import { randomDecoderModel, TINY_ARCH, TINY_GEMMA2, TINY_GRANITE, TINY_PHI3 } from "../test-support/random-model.ts";
import { flatten, fullLayout, weightViews } from "./params.ts";

const VARIANTS: Array<[string, HfArchitecture]> = [
  ["llama (GQA, untied)", TINY_ARCH],
  ["qwen2 (q/k/v bias, tied)", { ...TINY_ARCH, modelType: "qwen2", qkvBias: true, tiedEmbeddings: true }],
  ["qwen3 (q/k norm, head_dim 6)", { ...TINY_ARCH, modelType: "qwen3", qkNorm: true, headDim: 6 }],
  [
    "gemma3 (scaled embeddings, output norms, GeGLU, layer 0 with a sliding window of 2)",
    {
      ...TINY_ARCH,
      modelType: "gemma3_text",
      architecture: "Gemma3ForCausalLM",
      qkNorm: true,
      tiedEmbeddings: true,
      gemma: { embedScale: 2.5, attnScale: 0.4, slidingWindow: 2, slidingLayers: [0], localRopeTheta: 100 },
    },
  ],
  ["smollm3 (layer 0 without RoPE, tied)", { ...TINY_ARCH, modelType: "smollm3", noRopeLayers: [0], tiedEmbeddings: true }],
  ["gemma2 (soft-capped scores and logits, layer 0 with a sliding window of 2, no q/k norms)", TINY_GEMMA2],
  [
    "phi3 (q/k/v and gate/up stacked, 4 of 6 head dims rotate, longrope, every layer with a sliding window of 2)",
    { ...TINY_PHI3, tiedEmbeddings: true },
  ],
  ["granite (embedding, attention, residual multipliers and logits scaling)", TINY_GRANITE],
];

describe("full fine-tuning gradients (float64 reference kernels)", () => {
  it.each(VARIANTS)("match central finite differences for every tensor: %s", (_name, arch) => {
    const k = referenceKernels("f64");
    const loaded = randomDecoderModel(arch, k, 8);
    const layout = fullLayout(arch);
    const params = flatten(k, arch, layout, loaded.weights);
    const grads = k.alloc(layout.size);
    const model = { ...loaded, weights: weightViews(arch, layout, params) };
    const net = new LoraTrainModel(model, null, { grads: weightViews(arch, layout, grads), flat: grads });
    const rng = new Rng(21);
    const B = 2;
    const T = 5;
    const ids = Int32Array.from({ length: B * T }, () => Math.floor(rng.next() * arch.vocab));
    const targets = Int32Array.from({ length: B * T }, () => Math.floor(rng.next() * arch.vocab));
    const weights = Float32Array.from({ length: B * T }, (_, i) => (i % 5 === 4 ? 0 : 1));
    const loss = () => {
      net.forward(ids, B, T);
      return net.loss(targets, weights, false).lossSum;
    };
    net.forward(ids, B, T);
    net.loss(targets, weights, true);
    net.backward();
    const analyticAll = Float64Array.from(grads as Vec);
    for (const t of layout.tensors) {
      for (let s = 0; s < 2; s++) {
        const i = t.offset + Math.floor(rng.next() * t.size);
        const orig = params[i] as number;
        const eps = 1e-5;
        params[i] = orig + eps;
        const up = loss();
        params[i] = orig - eps;
        const down = loss();
        params[i] = orig;
        const numeric = (up - down) / (2 * eps);
        const analytic = analyticAll[i] as number;
        const err = Math.abs(numeric - analytic) / Math.max(1e-6, Math.abs(numeric) + Math.abs(analytic));
        expect(err, `${t.name}[${i - t.offset}] numeric ${numeric} analytic ${analytic}`).toBeLessThan(1e-5);
      }
    }
  });
});
