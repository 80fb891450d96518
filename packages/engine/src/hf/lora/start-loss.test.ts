/**
 * Before its first step, an open-weight run measures its starting loss (the divergence monitor's reference) on the first
 * batch or 8 examples, not 64: on Qwen2.5-0.5B / Llama-3.2-1B shapes on 2 cores, 64 forward passes took about 5 minutes
 * before step 1. The start pass polls the cancel hook before each of its batches, so a cancel asked for meanwhile is
 * honoured before any step trains (it used to wait for the pass and then a first step), and the polls count its batches.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { LoopHooks } from "../../trainer/train/loop.ts";
import { TrainingCancelledError } from "../../trainer/train/loop.ts";
import type { ChatExample } from "../../trainer/types.ts";
import { FIXTURES_DIR } from "../test-support/broken-checkpoints.ts";
import { runLoraTraining } from "./loop.ts";
import { openWeightStartExamples } from "./start-loss.ts";

const out = mkdtempSync(join(tmpdir(), "tunelab-start-loss-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const tickets = (count: number): ChatExample[] =>
  Array.from({ length: count }, (_, i) => ({
    messages: [
      { role: "user", content: `ticket number ${i}` },
      { role: "assistant", content: i % 2 ? "billing" : "bug" },
    ],
  }));

/** One epoch of LoRA on the tiny Qwen2 fixture, batches of 2. */
const train = (training: ChatExample[], hooks: LoopHooks) =>
  runLoraTraining(
    {
      base: { hf: { name: "tiny-qwen2", dir: join(FIXTURES_DIR, "qwen2"), fingerprint: "test" } },
      training,
      hyperparameters: { nEpochs: 1, batchSize: 2, learningRateMultiplier: 1 },
      seed: 1,
      outputDir: out,
      checkpointEvery: 1000,
    },
    hooks,
  );

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
  it("runs the batches of 8 examples before step 1, not 64", async () => {
    let polls = 0;
    let beforeFirstStep: number | undefined;
    await train(tickets(64), {
      cancelled: () => {
        polls++;
        return false;
      },
      onStep: () => {
        beforeFirstStep ??= polls;
      },
    });
    // 4 batches of 2 in the start pass, then the first step's own boundary (64 examples were 32 batches)
    expect(beforeFirstStep).toBeLessThanOrEqual(6);
  }, 120_000);

  it("stops before its first step when cancelled while the starting loss is measured", async () => {
    let polls = 0;
    const steps: number[] = [];
    // false at the first poll, cancelled from the second on (the start pass has 4 batches of 2)
    const run = train(tickets(10), { cancelled: () => ++polls >= 2, onStep: (m) => steps.push(m.step) });
    await expect(run).rejects.toBeInstanceOf(TrainingCancelledError);
    expect(steps).toEqual([]);
  }, 60_000);
});
