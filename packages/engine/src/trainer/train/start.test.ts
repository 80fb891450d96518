import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadModel } from "../inference/load.ts";
import type { StepMetrics } from "../types.ts";
import { labelOf, SYSTEM, tinyRequest, WORDS, wordExamples } from "./fixtures.test-helpers.ts";
import { TrainingCancelledError } from "./loop.ts";
import { startTraining } from "./start.ts";

const root = mkdtempSync(join(tmpdir(), "tunelab-start-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function accuracy(dir: string): Promise<number> {
  const model = await loadModel({ dir });
  let right = 0;
  WORDS.forEach((w, i) => {
    const out = model.complete(
      [
        { role: "system", content: SYSTEM },
        { role: "user", content: w },
      ],
      undefined,
      { maxTokens: 8, temperature: 0, topP: 1 },
    );
    if (out.text === labelOf(i) && out.finishReason === "stop") right++;
  });
  return right / WORDS.length;
}

describe("startTraining (worker thread)", () => {
  it("learns a tiny task to 100% greedy accuracy while the caller's event loop stays free", async () => {
    const handle = startTraining(
      tinyRequest(join(root, "learn"), { hyperparameters: { nEpochs: 80, batchSize: 4, learningRateMultiplier: 1 } }),
    );
    const metrics: StepMetrics[] = [];
    handle.onStep((m) => metrics.push(m));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const result = await handle.result;
    clearInterval(timer);
    expect(result.steps).toBe(400);
    expect(metrics).toHaveLength(400);
    const first = metrics.slice(0, 10).reduce((s, m) => s + m.trainLoss, 0) / 10;
    const last = metrics.slice(-10).reduce((s, m) => s + m.trainLoss, 0) / 10;
    expect(last).toBeLessThan(first / 5);
    expect(ticks).toBeGreaterThan(0);
    expect(await accuracy(result.finalModelDir)).toBe(1);

    // Fine-tuning the tuned model continues from its weights and keeps its tokenizer.
    const more = await startTraining(
      tinyRequest(join(root, "more"), {
        base: { modelDir: result.finalModelDir },
        hyperparameters: { nEpochs: 1, batchSize: 4, learningRateMultiplier: 0.1 },
      }),
    ).result;
    expect(readFileSync(join(more.finalModelDir, "tokenizer.json"), "utf8")).toBe(
      readFileSync(join(result.finalModelDir, "tokenizer.json"), "utf8"),
    );
    expect(more.metrics.trainLoss).toBeLessThan(first / 5);
  });

  it("cancels at a step boundary", async () => {
    const handle = startTraining(
      tinyRequest(join(root, "cancel"), { hyperparameters: { nEpochs: 1000, batchSize: 4, learningRateMultiplier: 1 } }),
    );
    handle.onStep((m) => {
      if (m.step === 3) handle.cancel();
    });
    await expect(handle.result).rejects.toBeInstanceOf(TrainingCancelledError);
  });

  it("fails with the trainer's error message on a bad request", async () => {
    await expect(startTraining(tinyRequest(join(root, "bad"), { training: [] })).result).rejects.toThrow(/no examples/);
    expect(wordExamples()).toHaveLength(20);
  });
});
