// A learning rate that ruins the model fails the job (OpenAI's job.error shape, code training_diverged, the step
// in the message) instead of "succeeding": the case, learning_rate_multiplier 100 on the ticket example.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineWithClient } from "./engine-client.ts";

const TICKETS = fileURLToPath(new URL("../../../examples/ticket-routing/train-v1.jsonl", import.meta.url));
let ctx: Awaited<ReturnType<typeof engineWithClient>>;
beforeAll(async () => {
  ctx = await engineWithClient();
});
afterAll(async () => ctx.dispose());

describe("training health", () => {
  it("a job with learning_rate_multiplier 100 ends failed with training_diverged and the step", async () => {
    const { client } = ctx;
    const file = await client.files.create({ file: await toFile(readFileSync(TICKETS), "tickets.jsonl"), purpose: "fine-tune" });
    const created = await client.fineTuning.jobs.create({
      model: "local-tiny",
      training_file: file.id,
      seed: 42,
      method: { type: "supervised", supervised: { hyperparameters: { n_epochs: 3, batch_size: 8, learning_rate_multiplier: 100 } } },
    });
    let job = created;
    while (!["succeeded", "failed", "cancelled"].includes(job.status)) {
      await new Promise((r) => setTimeout(r, 100));
      job = await client.fineTuning.jobs.retrieve(created.id);
    }
    expect(job.status).toBe("failed");
    expect(job.fine_tuned_model).toBeNull();
    expect(job.error?.code).toBe("training_diverged");
    expect(job.error?.param).toBeNull();
    const step = Number(/^Training diverged at step (\d+) of 45: /.exec(job.error?.message ?? "")?.[1]);
    expect(step).toBeGreaterThan(0);

    const events = [];
    for await (const event of client.fineTuning.jobs.listEvents(created.id, { limit: 100 })) events.push(event);
    expect(events.find((e) => e.level === "error")?.message).toBe(job.error?.message);
    const metricSteps = events.filter((e) => e.type === "metrics").map((e) => (e.data as { step: number }).step);
    expect(Math.max(...metricSteps)).toBe(step);
    // no tuned model was registered (checkpoints at most: the job checkpoints every 100 steps)
    const models = await client.models.list();
    expect(models.data.filter((m) => m.id.startsWith("ft:"))).toEqual([]);
  }, 120_000);
});
