import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { BASE_MODELS } from "../model/sizes.ts";
import type { ChatExample, TrainRequest } from "../types.ts";
import { DivergenceMonitor, isTrainingDiverged, MARGIN_NATS, PATIENCE, TrainingDivergedError } from "./divergence.ts";
import { runTraining } from "./loop.ts";

const root = mkdtempSync(join(tmpdir(), "tunelab-divergence-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const context = { totalSteps: 100, learningRateMultiplier: 100 };
const thrown = (f: () => void): unknown => {
  try {
    f();
  } catch (error) {
    return error;
  }
  return undefined;
};

describe("DivergenceMonitor", () => {
  it("fails on a loss that is not finite, naming the step", () => {
    const monitor = new DivergenceMonitor(5, context);
    monitor.setStart(6);
    monitor.observe(1, 5.5);
    const error = thrown(() => monitor.observe(2, Number.NaN));
    expect(error).toBeInstanceOf(TrainingDivergedError);
    expect(isTrainingDiverged(error)).toBe(true);
    expect((error as Error).message).toMatch(/^Training diverged at step 2 of 100: the training loss is NaN/);
    expect(thrown(() => new DivergenceMonitor(5, context).observe(1, Number.POSITIVE_INFINITY))).toBeInstanceOf(TrainingDivergedError);
  });

  it(`fails once the smoothed loss stays ${MARGIN_NATS} nats above its start for ${PATIENCE} steps after warmup`, () => {
    const monitor = new DivergenceMonitor(3, context);
    monitor.setStart(6);
    // warmup: far above, not counted
    for (let step = 1; step <= 3; step++) monitor.observe(step, 20);
    let failedAt = 0;
    for (let step = 4; step < 40 && !failedAt; step++) {
      const error = thrown(() => monitor.observe(step, 20));
      if (error) {
        failedAt = step;
        expect((error as TrainingDivergedError).step).toBe(step);
        expect((error as Error).message).toContain(`step ${step} of 100`);
        expect((error as Error).message).toContain("learning_rate_multiplier (it was 100)");
      }
    }
    expect(failedAt).toBe(3 + PATIENCE);
  });

  it("passes a healthy run, a brief spike, and a run that starts near zero with noise", () => {
    const healthy = new DivergenceMonitor(2, context);
    healthy.setStart(6.2);
    for (let step = 1; step <= 100; step++) healthy.observe(step, 6.2 * Math.exp(-step / 20) + (step % 3) * 0.1);
    const spiky = new DivergenceMonitor(2, context);
    spiky.setStart(6.2);
    for (let step = 1; step <= 100; step++) spiky.observe(step, step % 25 === 0 ? 15 : 3);
    const tuned = new DivergenceMonitor(2, context);
    tuned.setStart(0.02);
    for (let step = 1; step <= 100; step++) tuned.observe(step, 0.02 + (step % 5) * 0.08);
  });

  it("continues from the state a checkpoint saved", () => {
    const dir = mkdtempSync(join(root, "state-"));
    const first = new DivergenceMonitor(1, context);
    first.setStart(1);
    for (let step = 1; step <= PATIENCE; step++) first.observe(step, 9);
    first.save(dir);
    const resumed = new DivergenceMonitor(1, context, DivergenceMonitor.load(dir));
    expect(thrown(() => resumed.observe(PATIENCE + 1, 9))).toBeInstanceOf(TrainingDivergedError);
    expect(DivergenceMonitor.load(join(dir, "missing"))).toBeUndefined();
  });
});

// The ticket-routing example, as the issue reproduced it: learning_rate_multiplier 100 ruins the model.
const TICKETS = fileURLToPath(new URL("../../../../../examples/ticket-routing/train-v1.jsonl", import.meta.url));
const tickets = (): ChatExample[] =>
  readFileSync(TICKETS, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as ChatExample);
const request = (name: string, learningRateMultiplier: number): TrainRequest => ({
  base: { spec: BASE_MODELS["local-tiny"] },
  training: tickets(),
  hyperparameters: { nEpochs: 3, batchSize: 8, learningRateMultiplier, promptLossWeight: 0.1 },
  seed: 42,
  outputDir: join(root, name),
  checkpointEvery: 1000,
});

describe("the training loop's health check", () => {
  it("fails a run with learning_rate_multiplier 100 at a step after warmup; the same run at 1 and 10 trains to the end", () => {
    const steps: number[] = [];
    const error = thrown(() => runTraining(request("lr100", 100), { onStep: (m) => steps.push(m.step) }));
    expect(isTrainingDiverged(error)).toBe(true);
    const step = (error as TrainingDivergedError).step;
    expect(step).toBeGreaterThan(PATIENCE);
    expect(step).toBeLessThan(45);
    expect(steps.at(-1)).toBe(step); // the failing step's metrics were reported before the failure
    expect((error as Error).message).toMatch(new RegExp(`^Training diverged at step ${step} of 45: `));

    for (const multiplier of [1, 10]) expect(runTraining(request(`lr${multiplier}`, multiplier)).steps).toBe(45);
  }, 120_000);
});
