/**
 * An open-weight run measures its starting loss (the divergence monitor's reference) on the first batch or 8 examples,
 * not on 64: on Qwen2.5-0.5B / Llama-3.2-1B shapes on 2 cores, 64 forward passes took about 5 minutes before step 1.
 * Counted through the cancel hook, which the start pass polls before each of its batches.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ChatExample } from "../../trainer/types.ts";
import { FIXTURES_DIR } from "../test-support/broken-checkpoints.ts";
import { runLoraTraining } from "./loop.ts";
import { openWeightStartExamples } from "./start-loss.ts";

const out = mkdtempSync(join(tmpdir(), "tunelab-start-loss-count-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const example = (tokens: number) => ({ ids: Array.from({ length: tokens }, (_, i) => i), weights: [] });

describe("openWeightStartExamples", () => {
  it("takes the first 8 examples, or the first batch when it is larger, and stops early on long examples", () => {
    const short = Array.from({ length: 100 }, () => example(20));
    expect(openWeightStartExamples(short, 4)).toHaveLength(8);
    expect(openWeightStartExamples(short, 16)).toHaveLength(16);
    expect(openWeightStartExamples(short.slice(0, 5), 4)).toHaveLength(5);
    const long = Array.from({ length: 100 }, () => example(2000));
    expect(openWeightStartExamples(long, 32)).toHaveLength(8);
  });
});

describe("an open-weight run's starting loss", () => {
  it("runs the first batches of 8 examples before step 1, not 64", async () => {
    const training: ChatExample[] = Array.from({ length: 64 }, (_, i) => ({
      messages: [
        { role: "user", content: `ticket number ${i}` },
        { role: "assistant", content: i % 2 ? "billing" : "bug" },
      ],
    }));
    let polls = 0;
    let beforeFirstStep: number | undefined;
    await runLoraTraining(
      {
        base: { hf: { name: "tiny-qwen2", dir: join(FIXTURES_DIR, "qwen2"), fingerprint: "test" } },
        training,
        hyperparameters: { nEpochs: 1, batchSize: 2, learningRateMultiplier: 1 },
        seed: 1,
        outputDir: out,
        checkpointEvery: 1000,
      },
      {
        cancelled: () => {
          polls++;
          return false;
        },
        onStep: () => {
          beforeFirstStep ??= polls;
        },
      },
    );
    // 4 batches of 2 in the start pass, then the first step's own boundary (64 examples were 32 batches)
    expect(beforeFirstStep).toBeLessThanOrEqual(6);
  }, 120_000);
});
