/**
 * Packed batches (batches.ts): examples of mixed length one after another with no padding give the same losses, the
 * same per-example sums (DPO's log-probabilities) and the same gradients as the padded [B, T] form, whose pass the
 * finite-difference checks (gradcheck.test.ts, full/gradcheck.test.ts) and the PyTorch reference (parity.test.ts)
 * validate: LoRA with GQA, q/k/v bias and q/k norm, full fine-tuning, and with gradient checkpointing. A padded row's
 * padding sits after its tokens, so causal attention keeps it out of them and only float summation order differs.
 */
import { describe, expect, it } from "vitest";
import { nativeKernels } from "../../trainer/kernels/native.ts";
import type { Kernels, Vec } from "../../trainer/kernels/types.ts";
import { referenceKernels } from "../../trainer/reference/index.ts";
import { Rng } from "../../trainer/train/rng.ts";
import type { HfArchitecture } from "../config.ts";
import { flatten, fullLayout, weightViews } from "../full/params.ts";
import { randomDecoderModel } from "../test-support/random-model.ts";
import { type Encoded, makeHfBatch } from "./batches.ts";
import { sequenceLogprobs } from "./dpo.ts";
import { DEFAULT_LORA, LoraSettings } from "./settings.ts";
import { randomLora, WIDE_ARCH } from "./test-support/sft-dpo-step.ts";
import { type Checkpointing, LoraTrainModel } from "./train-model.ts";

const ARCH: HfArchitecture = { ...WIDE_ARCH, layers: 2, maxPositions: 64 };
/** Token counts of the examples: mixed, one longer than the context (kept to its last positions), one of 2 tokens. */
const LENGTHS = [9, 23, 2, 14, 40, 5];
const CONTEXT = 30;

function examples(rng: Rng, vocab: number): Encoded[] {
  return LENGTHS.map((n) => {
    const ids = Array.from({ length: n }, () => Math.floor(rng.next() * vocab));
    return { ids, weights: ids.map((_, i) => (i >= n / 3 ? 1 : 0)) };
  });
}

/** The padded [B, T] form of the same examples (the layout before packing), built independently of makeHfBatch. */
function padded(list: Encoded[], context: number) {
  const spans = list.map((e) => Math.min(context, e.ids.length - 1));
  const T = Math.max(...spans);
  const B = list.length;
  const ids = new Int32Array(B * T);
  const targets = new Int32Array(B * T);
  const weights = new Float32Array(B * T);
  list.forEach((e, b) => {
    const n = spans[b] as number;
    const start = e.ids.length - 1 - n;
    for (let t = 0; t < n; t++) {
      ids[b * T + t] = e.ids[start + t] as number;
      targets[b * T + t] = e.ids[start + t + 1] as number;
      weights[b * T + t] = e.weights[start + t + 1] as number;
    }
  });
  return { B, T, ids, targets, weights };
}

function closeTo(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i] as number));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs((actual[i] as number) - (expected[i] as number)));
  expect(scale).toBeGreaterThan(0);
  expect(worst / scale).toBeLessThanOrEqual(tolerance);
}

function loraNet(k: Kernels, checkpointing: Checkpointing) {
  const model = randomDecoderModel(ARCH, k, 6, 0.3);
  const settings = LoraSettings.parse({
    ...DEFAULT_LORA,
    rank: 4,
    alpha: 8,
    targets: ["q_proj", "k_proj", "v_proj", "o_proj", "up_proj", "down_proj"],
  });
  const lora = randomLora(k, ARCH, settings, new Rng(5));
  return { net: new LoraTrainModel(model, lora, null, checkpointing), lora };
}

describe("packed batches", () => {
  it("pack mixed-length examples without padding: each example's rows in order, the longest cut to the context", () => {
    const list = examples(new Rng(1), ARCH.vocab);
    const b = makeHfBatch(list, [0, 1, 2, 3, 4, 5], CONTEXT);
    expect(Array.from(b.lengths)).toEqual([8, 22, 1, 13, 30, 4]);
    expect(Array.from(b.starts)).toEqual([0, 8, 30, 31, 44, 74]);
    expect(b.rows).toBe(78);
    expect(b.T).toBe(30);
    expect(b.uniform).toBeNull();
    const p = padded(list, CONTEXT);
    expect(p.B * p.T).toBe(180); // the padded form's rows for the same 78 tokens
    // example 4 keeps its last 30 positions
    const e4 = list[4] as Encoded;
    expect(Array.from(b.ids.subarray(44, 74))).toEqual(e4.ids.slice(9, 39));
    expect(Array.from(b.targets.subarray(44, 74))).toEqual(e4.ids.slice(10, 40));
  });

  for (const checkpointing of ["never", "always"] as const)
    it(`LoRA (GQA, q/k/v bias, q/k norm${checkpointing === "always" ? ", gradient checkpointing" : ""}): the padded form's loss and gradients`, () => {
      const k = nativeKernels();
      const list = examples(new Rng(2), ARCH.vocab);
      const order = [0, 1, 2, 3, 4, 5];
      const a = loraNet(k, checkpointing);
      const p = padded(list, CONTEXT);
      a.net.forward(p.ids, p.B, p.T, 7);
      const sumsPadded = new Float64Array(p.B);
      const lossPadded = a.net.loss(p.targets, p.weights, true, sumsPadded);
      a.net.backward();
      const gradsPadded = Float64Array.from(a.lora.grads as Vec);

      const b = loraNet(k, checkpointing);
      const batch = makeHfBatch(list, order, CONTEXT);
      b.net.forwardRows(batch.ids, batch, 7);
      const sumsPacked = new Float64Array(batch.B);
      const lossPacked = b.net.loss(batch.targets, batch.weights, true, sumsPacked);
      b.net.backward();
      expect(b.net.recomputes).toBe(checkpointing === "always");
      expect(lossPacked.weightSum).toBe(lossPadded.weightSum);
      expect(lossPacked.correctSum).toBe(lossPadded.correctSum);
      expect(Math.abs(lossPacked.lossSum - lossPadded.lossSum) / lossPadded.lossSum).toBeLessThan(1e-5);
      closeTo(sumsPacked, sumsPadded, 1e-5);
      closeTo(b.lora.grads as Vec, gradsPadded, 1e-4);
    });

  it("full fine-tuning (float64 reference kernels): every weight's gradient as in the padded form", () => {
    const k = referenceKernels("f64");
    const arch = { ...ARCH, modelType: "qwen3" as const, qkvBias: false };
    const run = (packed: boolean) => {
      const loaded = randomDecoderModel(arch, k, 8);
      const layout = fullLayout(arch);
      const params = flatten(k, arch, layout, loaded.weights);
      const flat = k.alloc(layout.size);
      const net = new LoraTrainModel({ ...loaded, weights: weightViews(arch, layout, params) }, null, {
        grads: weightViews(arch, layout, flat),
        flat,
      });
      const list = examples(new Rng(3), arch.vocab);
      let loss: number;
      if (packed) {
        const batch = makeHfBatch(list, [0, 1, 2, 3, 4, 5], CONTEXT);
        net.forwardRows(batch.ids, batch);
        loss = net.loss(batch.targets, batch.weights, true).lossSum;
      } else {
        const p = padded(list, CONTEXT);
        net.forward(p.ids, p.B, p.T);
        loss = net.loss(p.targets, p.weights, true).lossSum;
      }
      net.backward();
      return { loss, grads: Float64Array.from(flat as Vec) };
    };
    const pad = run(false);
    const pack = run(true);
    expect(Math.abs(pack.loss - pad.loss) / pad.loss).toBeLessThan(1e-12);
    closeTo(pack.grads, pad.grads, 1e-10);
  });

  it("DPO's sequence log-probabilities of pairs of different lengths are the padded form's", () => {
    const k = nativeKernels();
    const list = examples(new Rng(4), ARCH.vocab);
    const pairs = [
      { chosen: list[0] as Encoded, rejected: list[1] as Encoded },
      { chosen: list[4] as Encoded, rejected: list[3] as Encoded },
    ];
    const a = loraNet(k, "never");
    const packed = sequenceLogprobs(a.net, pairs, [0, 1], CONTEXT);
    const p = padded([list[0], list[1], list[4], list[3]] as Encoded[], CONTEXT);
    const b = loraNet(k, "never");
    b.net.forward(p.ids, p.B, p.T, 0, false);
    const sums = new Float64Array(p.B);
    b.net.loss(p.targets, p.weights, false, sums);
    closeTo(
      packed,
      Array.from(sums, (s) => -s),
      1e-5,
    );
  });
});
