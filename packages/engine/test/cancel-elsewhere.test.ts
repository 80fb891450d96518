// Two engines on one root, as `tunelab serve --no-worker` and a `tunelab worker` on one machine: the serving one
// (runJobs false) cancels a job the training one is running. The trainer must notice on its next heartbeat and stop
// training it, which frees its only slot for the next job (concurrency 1), rather than train the cancelled job to the
// end. Without the heartbeat's check the second job stays queued until the first job's 50 epochs (20,000 steps) are done.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toFile } from "openai";
import { afterAll, describe, expect, it } from "vitest";
import { createEngine, type Engine } from "../src/index.ts";
import { clientFor, trainingJsonl } from "./engine-client.ts";

const root = mkdtempSync(join(tmpdir(), "tunelab-cancel-elsewhere-"));
const engines: Engine[] = [];
afterAll(async () => {
  for (const engine of engines) await engine.close();
  rmSync(root, { recursive: true, force: true });
});

const pairs = Array.from({ length: 400 }, (_, i) => [`word ${i}`, i % 2 ? "odd" : "even"] as [string, string]);
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("a job cancelled by another process sharing the engine's database", () => {
  it("stops training in the process that runs it", async () => {
    const trainer = await createEngine({ root, leaseSeconds: 1, concurrency: 1 });
    engines.push(trainer);
    const server = await createEngine({ root, runJobs: false });
    engines.push(server);
    const training = clientFor(trainer);
    const serving = clientFor(server);

    const file = await training.files.create({ file: await toFile(Buffer.from(trainingJsonl(pairs)), "t.jsonl"), purpose: "fine-tune" });
    const long = await training.fineTuning.jobs.create({
      model: "local-tiny",
      training_file: file.id,
      seed: 1,
      hyperparameters: { n_epochs: 50, batch_size: 1 },
    });
    // training has begun (steps recorded)
    for (;;) {
      const events = await training.fineTuning.jobs.listEvents(long.id, { limit: 100 });
      if (events.data.some((e) => e.type === "metrics")) break;
      await wait(25);
    }
    const next = await training.fineTuning.jobs.create({
      model: "local-tiny",
      training_file: file.id,
      seed: 2,
      hyperparameters: { n_epochs: 1, batch_size: 8 },
    });

    expect((await serving.fineTuning.jobs.cancel(long.id)).status).toBe("cancelled");

    // the trainer's only slot frees up: the next job trains to the end while the cancelled one stays cancelled
    let after = await training.fineTuning.jobs.retrieve(next.id);
    while (!["succeeded", "failed", "cancelled"].includes(after.status)) {
      await wait(100);
      after = await training.fineTuning.jobs.retrieve(next.id);
    }
    expect(after.status).toBe("succeeded");
    expect((await training.fineTuning.jobs.retrieve(long.id)).status).toBe("cancelled");
    // and the cancelled job left no tuned model, and stopped long before its 20,000 steps (checkpoints are written
    // every 100 steps whatever the status, so they show how far it went)
    expect((await training.fineTuning.jobs.retrieve(long.id)).fine_tuned_model).toBeNull();
    const checkpoints = await training.fineTuning.jobs.checkpoints.list(long.id, { limit: 100 });
    expect(Math.max(0, ...checkpoints.data.map((c) => c.step_number))).toBeLessThan(10_000);
  }, 120_000);
});
