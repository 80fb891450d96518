/**
 * Whole-model gradient of a vision model (float64 reference kernels): the patch projection, its bias
 * and the image positions, with every other tensor, match central differences when image patches are
 * added at <|patch|> rows of the batch.
 */
import { describe, expect, it } from "vitest";
import type { Vec } from "../kernels/types.ts";
import { referenceKernels } from "../reference/index.ts";
import { Rng } from "../train/rng.ts";
import type { ModelSpec } from "../types.ts";
import { backward } from "./backward.ts";
import { crossEntropy, forward } from "./forward.ts";
import type { ImageRows } from "./patch-embed.ts";
import { Transformer } from "./transformer.ts";

const SPEC: ModelSpec = {
  name: "check",
  vocabSize: 13,
  dModel: 8,
  nLayers: 1,
  nHeads: 2,
  contextLength: 8,
  vision: { patchSize: 2, channels: 3, maxPatches: 4 },
};

describe("vision model gradient (float64 reference kernels)", () => {
  it("matches central finite differences for the patch embedding and every other tensor", () => {
    const k = referenceKernels("f64");
    const rng = new Rng(3);
    const model = new Transformer(SPEC, k);
    model.initialize(rng);
    for (let i = 0; i < model.params.length; i++) model.params[i] = (model.params[i] as number) * 10 + rng.normal() * 0.05;
    const [B, T] = [2, 6];
    const ids = Int32Array.from({ length: B * T }, () => Math.floor(rng.next() * SPEC.vocabSize));
    const targets = Int32Array.from({ length: B * T }, () => Math.floor(rng.next() * SPEC.vocabSize));
    const mask = Float64Array.from({ length: B * T }, () => (rng.next() < 0.7 ? 1 : 0));
    // One 4×4 image (4 patches) in row 0 at t = 1..4, its last three patches in row 1 at t = 0..2.
    const img = Float64Array.from({ length: 2 * 4 * 4 * 3 }, () => rng.normal());
    const all = new Float64Array(img.length);
    k.patchify(img, all, 2, 4, 4, 3, 2);
    const pd = 12;
    const patches = new Float64Array(7 * pd);
    patches.set(all.subarray(0, 4 * pd));
    patches.set(all.subarray(5 * pd, 8 * pd), 4 * pd);
    const images: ImageRows = {
      n: 7,
      patches,
      rows: Int32Array.of(1, 2, 3, 4, T, T + 1, T + 2),
      positions: Int32Array.of(0, 1, 2, 3, 1, 2, 3),
    };
    const loss = () => {
      forward(model, ids, B, T, undefined, images);
      const s = crossEntropy(model, targets, mask, B * T, false);
      return s.lossSum / s.weightSum;
    };
    forward(model, ids, B, T, undefined, images);
    crossEntropy(model, targets, mask, B * T, true);
    backward(model, ids, B, T, undefined, images);
    const grads = Float64Array.from(model.grads as Vec);
    const names = new Set<string>();
    for (const t of model.layout.tensors) {
      for (let s = 0; s < 4; s++) {
        const i = t.offset + Math.floor(rng.next() * t.size);
        const orig = model.params[i] as number;
        model.params[i] = orig + 1e-5;
        const up = loss();
        model.params[i] = orig - 1e-5;
        const down = loss();
        model.params[i] = orig;
        const numeric = (up - down) / 2e-5;
        const analytic = grads[i] as number;
        const err = Math.abs(numeric - analytic) / Math.max(1e-4, Math.abs(numeric) + Math.abs(analytic));
        expect(err, `${t.name}[${i - t.offset}] numeric ${numeric} analytic ${analytic}`).toBeLessThan(1e-5);
      }
      names.add(t.name);
    }
    expect([...names]).toEqual(expect.arrayContaining(["vis.wpatch", "vis.wpos", "vis.bpatch"]));
    // The image carries signal: its projection's gradient is not zero.
    const wpatch = model.layout.byName.get("vis.wpatch");
    expect(wpatch && grads.subarray(wpatch.offset, wpatch.offset + wpatch.size).some((g) => Math.abs(g) > 1e-6)).toBe(true);
  });
});
