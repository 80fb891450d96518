/**
 * Training a `local-*` model on images (in-process): the model gets the vision front end, learns a
 * colour question from the image alone, saves and loads its patch weights, and answers from images;
 * a text-only model refuses them.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openModel } from "../inference/load.ts";
import { setNativeThreads } from "../kernels/native.ts";
import { layout } from "../model/layout.ts";
import { loadModelDir } from "../model-dir.ts";
import type { ModelSpec } from "../types.ts";
import { colorSquareExamples } from "../vision/color-squares.test-helpers.ts";
import { decodeExamples } from "../vision/decode-examples.ts";
import { VISION } from "../vision/spec.ts";
import { tinyRequest } from "./fixtures.test-helpers.ts";
import { runTraining } from "./loop.ts";

const root = mkdtempSync(join(tmpdir(), "tunelab-vision-loop-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SPEC: ModelSpec = { name: "test-vision", vocabSize: 300, dModel: 48, nLayers: 2, nHeads: 2, contextLength: 48 };

describe("training on images", () => {
  it("learns the colour of a square from the image, saves the patch weights, answers new images", async () => {
    const train = await colorSquareExamples(64, 1);
    const test = await colorSquareExamples(24, 2);
    const result = runTraining({
      base: { spec: SPEC },
      training: await decodeExamples(train, "training"),
      validation: await decodeExamples(test.slice(0, 8), "validation"),
      hyperparameters: { nEpochs: 8, batchSize: 8, learningRateMultiplier: 1 },
      seed: 3,
      outputDir: join(root, "colors"),
      checkpointEvery: 1000,
    });
    expect(result.steps).toBe(64);
    const files = loadModelDir(result.finalModelDir);
    expect(files.spec.vision).toEqual(VISION);
    expect(files.spec.vocabSize).toBe(files.tokenizer.vocabSize + 3);
    const names = layout(files.spec).tensors.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["vis.wpatch", "vis.wpos", "vis.bpatch"]));
    expect(readFileSync(join(result.finalModelDir, "weights.bin")).byteLength).toBe(layout(files.spec).size * 4);

    const model = openModel(result.finalModelDir);
    const decoded = await decodeExamples(test, "validation");
    let right = 0;
    for (const [i, e] of decoded.entries()) {
      const answer = model.complete(e.messages.slice(0, 1), undefined, { maxTokens: 4, temperature: 0, topP: 1 });
      if (answer.text.trim() === test[i]?.color) right++;
    }
    // Chance is 1 in 4; the question's text is the same for every colour, so only the image tells.
    expect(right / test.length).toBeGreaterThan(0.5);
    expect(model.countPromptTokens(decoded[0]?.messages.slice(0, 1) ?? [])).toBeGreaterThan(16);
  });

  it("is deterministic with images: bit-identical on 1 and 2 threads, and resumed from a checkpoint", async () => {
    const training = await decodeExamples(await colorSquareExamples(16, 6), "training");
    const request = (dir: string, over = {}) => ({
      base: { spec: SPEC },
      training,
      hyperparameters: { nEpochs: 3, batchSize: 4, learningRateMultiplier: 1 },
      seed: 9,
      outputDir: join(root, dir),
      checkpointEvery: 5,
      ...over,
    });
    const weights = (dir: string) => readFileSync(join(dir, "weights.bin"));
    const two = runTraining(request("det-2"));
    setNativeThreads(1);
    try {
      const one = runTraining(request("det-1"));
      expect(weights(one.finalModelDir).equals(weights(two.finalModelDir))).toBe(true);
    } finally {
      setNativeThreads(availableParallelism());
    }
    const resumed = runTraining(request("det-resumed", { resumeFrom: join(root, "det-2", "step-5") }));
    expect(weights(resumed.finalModelDir).equals(weights(two.finalModelDir))).toBe(true);
  });

  it("a text-only model refuses images", async () => {
    const text = runTraining(tinyRequest(join(root, "text")));
    const [one] = await decodeExamples(await colorSquareExamples(1, 5), "validation");
    expect(() =>
      openModel(text.finalModelDir).complete(one?.messages.slice(0, 1) ?? [], undefined, { maxTokens: 2, temperature: 0, topP: 1 }),
    ).toThrow(/trained on text only/);
  });
});
