import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { setNativeThreads } from "../kernels/native.ts";
import { loadModelDir } from "../model-dir.ts";
import type { StepMetrics } from "../types.ts";
import { EarlyStopping, patienceStartStep } from "./early-stopping.ts";
import { tinyRequest, wordExamples } from "./fixtures.test-helpers.ts";
import { runTraining } from "./loop.ts";

const root = mkdtempSync(join(tmpdir(), "tunelab-loop-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const weights = (dir: string) => readFileSync(join(dir, "weights.bin"));

describe("training loop (in-process)", () => {
  it("is deterministic: the same request and seed give bit-identical weights, on any thread count", () => {
    const a = runTraining(tinyRequest(join(root, "det-a")));
    const b = runTraining(tinyRequest(join(root, "det-b")));
    expect(a.steps).toBe(30);
    expect(weights(a.finalModelDir).equals(weights(b.finalModelDir))).toBe(true);
    try {
      setNativeThreads(1);
      const single = runTraining(tinyRequest(join(root, "det-single-thread")));
      expect(weights(single.finalModelDir).equals(weights(a.finalModelDir))).toBe(true);
    } finally {
      setNativeThreads(availableParallelism());
    }
    const c = runTraining(tinyRequest(join(root, "det-c"), { seed: 43 }));
    expect(weights(a.finalModelDir).equals(weights(c.finalModelDir))).toBe(false);
  });

  it("resumed from a checkpoint (mid-epoch or at an epoch boundary) equals the uninterrupted run", () => {
    const full = runTraining(tinyRequest(join(root, "full"), { checkpointEvery: 7 }));
    const boundary = runTraining(tinyRequest(join(root, "full5"), { checkpointEvery: 5 }));
    expect(weights(boundary.finalModelDir).equals(weights(full.finalModelDir))).toBe(true);
    for (const from of [join(root, "full", "step-14"), join(root, "full5", "step-10")]) {
      const ckpt = loadModelDir(from);
      expect(ckpt.state?.step).toBeGreaterThan(0);
      expect(ckpt.optimizer).toBeDefined();
      const steps: number[] = [];
      const resumed = runTraining(tinyRequest(join(root, `resumed-${ckpt.state?.step}`), { resumeFrom: from }), {
        onStep: (m) => steps.push(m.step),
      });
      expect(steps[0]).toBe((ckpt.state?.step ?? 0) + 1);
      expect(resumed.trainedTokens).toBe(full.trainedTokens);
      expect(weights(resumed.finalModelDir).equals(weights(full.finalModelDir))).toBe(true);
    }
  });

  it("reports metrics, validation and checkpoints; weight-0 assistant messages carry no loss", () => {
    const metrics: StepMetrics[] = [];
    const checkpoints: number[] = [];
    const training = wordExamples();
    const silenced = training.map((e) => ({
      messages: e.messages.map((m) => (m.role === "assistant" ? { ...m, weight: 0 as const } : m)),
    }));
    const r = runTraining(
      tinyRequest(join(root, "metrics"), { training: [...training, ...silenced], validation: training.slice(0, 5), checkpointEvery: 20 }),
      {
        onStep: (m) => metrics.push(m),
        onCheckpoint: (_dir, step) => checkpoints.push(step),
      },
    );
    expect(metrics).toHaveLength(r.steps);
    expect(checkpoints).toEqual([20, 40, 60]);
    expect(metrics.at(-1)?.validLoss).toBeGreaterThan(0);
    // Each example's loss-bearing tokens: the label (1 token or a few) and <|end|>; silenced examples add none.
    const perEpoch = (metrics[9]?.trainedTokens ?? 0) - 0;
    const plain = runTraining(
      tinyRequest(join(root, "plain"), { hyperparameters: { nEpochs: 1, batchSize: 4, learningRateMultiplier: 1 } }),
    );
    expect(perEpoch).toBe(plain.trainedTokens);
  });

  it("a prompt loss weight changes the weights but not what the metrics count", () => {
    const steps: StepMetrics[] = [];
    const hp = { nEpochs: 6, batchSize: 4, learningRateMultiplier: 1 };
    const without = runTraining(tinyRequest(join(root, "pw0"), { hyperparameters: { ...hp, promptLossWeight: 0 } }));
    const unset = runTraining(tinyRequest(join(root, "pw-unset")));
    const withPrompt = runTraining(tinyRequest(join(root, "pw"), { hyperparameters: { ...hp, promptLossWeight: 0.5 } }), {
      onStep: (m) => steps.push(m),
    });
    expect(weights(without.finalModelDir).equals(weights(unset.finalModelDir))).toBe(true);
    expect(weights(withPrompt.finalModelDir).equals(weights(without.finalModelDir))).toBe(false);
    // trained tokens and the loss are over assistant tokens only, whatever the prompt weight.
    expect(withPrompt.trainedTokens).toBe(without.trainedTokens);
    expect(steps.map((m) => m.trainedTokens).at(-1)).toBe(without.trainedTokens);
  });

  it("early stopping counts validations from 30% of the planned steps only", () => {
    // The validation file answers every word with a label training never gives: validation soon stops improving.
    const contradicting = wordExamples().map((e) => ({
      messages: e.messages.map((m) => (m.role === "assistant" ? { ...m, content: "purple" } : m)),
    }));
    const validations: Array<[number, number, number]> = [];
    const hyperparameters = { nEpochs: 20, batchSize: 4, learningRateMultiplier: 1, earlyStoppingPatience: 1 }; // 100 steps
    const r = runTraining(tinyRequest(join(root, "early"), { validation: contradicting, hyperparameters }), {
      onStep: (m) => {
        if (m.validLoss !== undefined) validations.push([m.step, m.validLoss, m.validMeanTokenAccuracy ?? 0]);
      },
    });
    // Counting every validation, this run would have stopped before step 30.
    const unguarded = new EarlyStopping(1);
    const unguardedStop = validations.map(([step, loss, acc]) => unguarded.observe(step, loss, acc, Float32Array.of(0))).find((s) => s);
    expect(unguardedStop?.step).toBeLessThan(30);
    // It stops at the first validation from step 30 on that does not improve, and says from which step it counted.
    expect(patienceStartStep(100)).toBe(30);
    expect(r.earlyStop).toMatchObject({ countFrom: 30, patience: 1 });
    expect(r.earlyStop?.step).toBeGreaterThanOrEqual(30);
    expect(r.earlyStop?.step).toBeLessThan(100);
    expect(r.steps).toBe(r.earlyStop?.step);
    expect(r.earlyStop?.reason).toContain("(counted from step 30)");
  });

  it("early stopping resumed from a checkpoint stops where the uninterrupted run stops, with the same weights", () => {
    const contradicting = wordExamples().map((e) => ({
      messages: e.messages.map((m) => (m.role === "assistant" ? { ...m, content: "purple" } : m)),
    }));
    // 100 steps, validations every 5, a resumable checkpoint every 5
    const hyperparameters = { nEpochs: 20, batchSize: 4, learningRateMultiplier: 1, earlyStoppingPatience: 2 };
    const request = (dir: string, resumeFrom?: string) =>
      tinyRequest(join(root, dir), {
        validation: contradicting,
        hyperparameters,
        checkpointEvery: 5,
        ...(resumeFrom ? { resumeFrom } : {}),
      });
    const full = runTraining(request("early-full"));
    const stop = full.earlyStop;
    if (!stop) throw new Error("the uninterrupted run did not stop early");
    // resumed after the best validation and after one validation without improvement: both must come from the checkpoint
    expect(stop.step - stop.bestStep).toBeGreaterThanOrEqual(10);
    const from = join(root, "early-full", `step-${stop.step - 5}`);
    expect(readFileSync(join(from, "early-stopping.json"), "utf8")).toContain(`"stale":1`);
    const resumed = runTraining(request("early-resumed", from));
    expect(resumed.earlyStop).toEqual(stop);
    expect(resumed.steps).toBe(full.steps);
    expect(weights(resumed.finalModelDir).equals(weights(full.finalModelDir))).toBe(true);
  });
});
