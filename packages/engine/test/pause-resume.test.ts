/**
 * OpenAI's POST /fine_tuning/jobs/{id}/pause and /resume through the official SDK: a running job goes `pausing`, stops
 * at its next step boundary with a checkpoint there and is `paused`; the trainer takes the next job meanwhile; resumed,
 * it continues from that checkpoint and ends with the very weights of the same job never paused. Jobs that cannot be
 * paused or resumed are refused (409, OpenAI's error shape).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type OpenAI from "openai";
import { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineWithClient, refusal, trainingJsonl, waitForJob } from "./engine-client.ts";

let ctx: Awaited<ReturnType<typeof engineWithClient>>;
let client: OpenAI;
// one job trains at a time; checkpoints far apart, so the pause's checkpoint is one of its own
beforeAll(async () => {
  ctx = await engineWithClient({ concurrency: 1, checkpointEvery: 100_000 });
  client = ctx.client;
});
afterAll(async () => ctx?.dispose());

const pairs = Array.from({ length: 40 }, (_, i) => [`word ${i}`, i % 2 ? "odd" : "even"] as [string, string]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function metrics(id: string) {
  const rows: { step: number; train_loss: number; valid_loss?: number }[] = [];
  for await (const e of client.fineTuning.jobs.listEvents(id, { limit: 100 }))
    if (e.type === "metrics") rows.push(e.data as { step: number; train_loss: number });
  return rows.sort((a, b) => a.step - b.step);
}

/** Waits for the job's first metrics event (the newest events come first). */
async function trainedAStep(id: string) {
  while (!(await client.fineTuning.jobs.listEvents(id, { limit: 5 })).data.some((e) => e.type === "metrics")) await sleep(10);
}

async function messages(id: string) {
  const found: string[] = [];
  for await (const e of client.fineTuning.jobs.listEvents(id, { limit: 100 })) found.push(e.message);
  return found;
}

const finalWeights = (id: string) => readFileSync(join(ctx.root, "models", id, "final", "weights.bin"));

describe("pause and resume", () => {
  it("pauses at a step with a checkpoint, frees the trainer, and resumes to the weights of a job never paused", async () => {
    const file = await client.files.create({ file: await toFile(Buffer.from(trainingJsonl(pairs)), "t.jsonl"), purpose: "fine-tune" });
    const valid = await client.files.create({
      file: await toFile(Buffer.from(trainingJsonl(pairs.slice(0, 8))), "v.jsonl"),
      purpose: "fine-tune",
    });
    const params = {
      model: "local-tiny",
      training_file: file.id,
      validation_file: valid.id,
      seed: 7,
      // 2,000 steps, never stopped early: still training when it is paused
      method: {
        type: "supervised" as const,
        supervised: { hyperparameters: { n_epochs: 50, batch_size: 1, early_stopping_patience: 0 } as { n_epochs: number } },
      },
    };
    const paused = await client.fineTuning.jobs.create(params);
    const other = await client.fineTuning.jobs.create({
      model: "local-tiny",
      training_file: file.id,
      seed: 1,
      hyperparameters: { n_epochs: 1 },
    });

    // a job that has not trained a step cannot be paused (the other one is queued behind it)
    expect(await refusal(client.fineTuning.jobs.pause(other.id))).toMatchObject({ status: 409, code: "job_not_pausable" });
    await trainedAStep(paused.id);
    const pausing = await client.fineTuning.jobs.pause(paused.id);
    expect(pausing.status).toBe("pausing");
    expect(await refusal(client.fineTuning.jobs.resume(paused.id))).toMatchObject({ status: 409, code: "job_not_resumable" });
    // the SDK's type does not list pausing and paused yet (OpenAI's reference does)
    const status = async (id: string): Promise<string> => (await client.fineTuning.jobs.retrieve(id)).status;
    while ((await status(paused.id)) === "pausing") await sleep(10);
    expect(await status(paused.id)).toBe("paused");

    // the trainer took the other job: it finishes while the paused one waits
    expect((await waitForJob(client, other.id)).status).toBe("succeeded");
    expect((await client.fineTuning.jobs.retrieve(paused.id)).status).toBe("paused");
    const [checkpoint] = (await client.fineTuning.jobs.checkpoints.list(paused.id)).data;
    const pausedAt = checkpoint?.step_number ?? 0;
    expect(pausedAt).toBeGreaterThan(0);
    expect((await metrics(paused.id)).at(-1)?.step).toBe(pausedAt);
    expect(await messages(paused.id)).toContain(
      `Fine-tuning job paused at step ${pausedAt}, with a checkpoint there; resume it to continue.`,
    );
    expect(await refusal(client.fineTuning.jobs.pause(paused.id))).toMatchObject({ status: 409, code: "job_not_pausable" });

    expect((await client.fineTuning.jobs.resume(paused.id)).status).toBe("queued");
    const resumed = await waitForJob(client, paused.id);
    expect(resumed.status).toBe("succeeded");
    expect(await messages(paused.id)).toContain(
      `Fine-tuning job continues from the checkpoint at step ${pausedAt}, written when it paused.`,
    );

    const never = await waitForJob(client, (await client.fineTuning.jobs.create(params)).id);
    expect(never.status).toBe("succeeded");
    expect(finalWeights(paused.id).equals(finalWeights(never.id))).toBe(true);
    // every step recorded once, with the figures of the uninterrupted run
    const steps = await metrics(paused.id);
    expect(steps.map((m) => m.step)).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
    expect(steps).toEqual(await metrics(never.id));
    expect(resumed.trained_tokens).toBe(never.trained_tokens);

    // finished jobs can be neither paused nor resumed
    expect(await refusal(client.fineTuning.jobs.pause(never.id))).toMatchObject({ status: 409, code: "job_not_pausable" });
    expect(await refusal(client.fineTuning.jobs.resume(never.id))).toMatchObject({ status: 409, code: "job_not_resumable" });
    expect(await refusal(client.fineTuning.jobs.pause("ftjob-nope"))).toMatchObject({ status: 404 });
  }, 180_000);

  it("a paused job can be cancelled", async () => {
    const file = await client.files.create({ file: await toFile(Buffer.from(trainingJsonl(pairs)), "t.jsonl"), purpose: "fine-tune" });
    const job = await client.fineTuning.jobs.create({
      model: "local-tiny",
      training_file: file.id,
      seed: 3,
      hyperparameters: { n_epochs: 50, batch_size: 1 },
    });
    await trainedAStep(job.id);
    await client.fineTuning.jobs.pause(job.id);
    while ((await client.fineTuning.jobs.retrieve(job.id)).status !== ("paused" as string)) await sleep(10);
    expect((await client.fineTuning.jobs.cancel(job.id)).status).toBe("cancelled");
    expect(await refusal(client.fineTuning.jobs.resume(job.id))).toMatchObject({ status: 409, code: "job_not_resumable" });
  }, 120_000);
});
