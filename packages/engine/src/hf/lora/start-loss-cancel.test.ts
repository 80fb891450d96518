/**
 * Before its first step, an open-weight run measures the loss of up to 64 examples (the training-health monitor's
 * starting point): on Qwen2.5-0.5B on a 2-core laptop that took 5 minutes. A cancel asked for meanwhile is honoured
 * between those forward passes, before any step trains (it used to wait for the pass and then a first step).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { TrainingCancelledError } from "../../trainer/train/loop.ts";
import type { ChatExample } from "../../trainer/types.ts";
import { FIXTURES_DIR } from "../test-support/broken-checkpoints.ts";
import { runLoraTraining } from "./loop.ts";

const out = mkdtempSync(join(tmpdir(), "tunelab-start-loss-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const training: ChatExample[] = Array.from({ length: 10 }, (_, i) => ({
  messages: [
    { role: "user", content: `ticket number ${i}` },
    { role: "assistant", content: i % 2 ? "billing" : "bug" },
  ],
}));

describe("an open-weight run cancelled while its starting loss is measured", () => {
  it("stops before its first step", async () => {
    let polls = 0;
    const steps: number[] = [];
    const run = runLoraTraining(
      {
        base: { hf: { name: "tiny-qwen2", dir: join(FIXTURES_DIR, "qwen2"), fingerprint: "test" } },
        training,
        hyperparameters: { nEpochs: 1, batchSize: 2, learningRateMultiplier: 1 },
        seed: 1,
        outputDir: out,
        checkpointEvery: 1000,
      },
      {
        // false at the first poll, cancelled from the second on (the start pass has 5 batches of 2)
        cancelled: () => ++polls >= 2,
        onStep: (m) => steps.push(m.step),
      },
    );
    await expect(run).rejects.toBeInstanceOf(TrainingCancelledError);
    expect(steps).toEqual([]);
  }, 60_000);
});
