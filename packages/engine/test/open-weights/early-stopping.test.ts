/**
 * Early stopping on an open-weight base (LoRA) through the official SDK: asked for with
 * `early_stopping_patience`, a job whose validation file contradicts its training file (the same
 * tickets, other labels) stops before its last step, not before 30% of it, and says why; without it
 * (`auto` on an open-weight base) the same job trains every step. Full fine-tuning takes the same path.
 */
import type OpenAI from "openai";
import { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asLocalEngine, registerBaseModel } from "../../src/index.ts";
import { engineWithClient, waitForJob } from "../engine-client.ts";
import { FIXTURES } from "./reference.ts";
import { ticketsJsonl } from "./tickets.ts";

const HYPER = { n_epochs: 20, batch_size: 5, learning_rate_multiplier: 25, lora_rank: 8, lora_alpha: 16 } as const; // 40 steps

let ctx: Awaited<ReturnType<typeof engineWithClient>>;
let files: { training: string; validation: string };
beforeAll(async () => {
  ctx = await engineWithClient({ checkpointEvery: 1000 });
  await registerBaseModel(ctx.engine.store, { dir: `${FIXTURES}qwen2`, name: "tiny-qwen2" });
  const upload = async (text: string, name: string) =>
    (await ctx.client.files.create({ file: await toFile(Buffer.from(text), name), purpose: "fine-tune" })).id;
  const relabelled = ticketsJsonl()
    .replaceAll('"billing"', '"LABEL_A"')
    .replaceAll('"bug"', '"billing"')
    .replaceAll('"account"', '"bug"')
    .replaceAll('"LABEL_A"', '"account"');
  files = { training: await upload(ticketsJsonl(), "tickets.jsonl"), validation: await upload(relabelled, "valid.jsonl") };
}, 120_000);
afterAll(async () => ctx.dispose());

async function train(client: OpenAI, hyperparameters: Record<string, unknown>) {
  const created = await client.fineTuning.jobs.create({
    model: "tiny-qwen2",
    training_file: files.training,
    validation_file: files.validation,
    seed: 3,
    method: { type: "supervised", supervised: { hyperparameters: hyperparameters as never } },
  });
  const job = await waitForJob(client, created.id);
  const events = [];
  for await (const event of client.fineTuning.jobs.listEvents(job.id, { limit: 1000 })) events.push(event);
  const steps = events.filter((e) => e.type === "metrics").map((e) => (e.data as { step: number }).step);
  return { job, events, lastStep: Math.max(...steps) };
}

describe("early stopping on an open-weight base", () => {
  it("asked for, stops once validation stops improving, from 30% of the steps on, and says why", async () => {
    const { job, events, lastStep } = await train(ctx.client, { ...HYPER, early_stopping_patience: 1 });
    expect(job.status, JSON.stringify(job.error)).toBe("succeeded");
    expect(job.hyperparameters).toMatchObject({ n_epochs: 20, early_stopping_patience: 1 });
    const stop = events.find((e) => e.message.startsWith("Early stopping at step"));
    const data = (stop?.data as { early_stopping?: { step: number; best_step: number; counted_from_step: number } } | null)?.early_stopping;
    if (!data) throw new Error(`no early-stopping event in ${events.map((e) => e.message).join(" | ")}`);
    expect(data.counted_from_step).toBe(12); // 30% of 40 steps
    expect(data.step).toBeGreaterThanOrEqual(12);
    expect(data.step).toBeLessThan(40);
    expect(data.best_step).toBeLessThan(data.step);
    expect(stop?.message).toContain(`the tuned model keeps the weights of step ${data.best_step}`);
    expect(lastStep).toBe(data.step);
    expect(job.fine_tuned_model).toMatch(/^ft:tiny-qwen2:/);
  }, 300_000);

  it("stops a full fine-tuning job too, which keeps a full checkpoint", async () => {
    const full = { n_epochs: 20, batch_size: 5, learning_rate_multiplier: 5, training_type: "full", early_stopping_patience: 1 };
    const { job, events, lastStep } = await train(ctx.client, full);
    expect(job.status, JSON.stringify(job.error)).toBe("succeeded");
    expect(job.hyperparameters).toMatchObject({ training_type: "full", early_stopping_patience: 1 });
    const stop = events.find((e) => e.message.startsWith("Early stopping at step"));
    const data = (stop?.data as { early_stopping?: { step: number; best_step: number } } | null)?.early_stopping;
    if (!data) throw new Error(`no early-stopping event in ${events.map((e) => e.message).join(" | ")}`);
    expect(data.step).toBeGreaterThanOrEqual(12);
    expect(data.step).toBeLessThan(40);
    expect(data.best_step).toBeLessThan(data.step);
    expect(lastStep).toBe(data.step);
    const model = job.fine_tuned_model ?? "";
    expect(model).toMatch(/^ft:tiny-qwen2:/);
    expect(await asLocalEngine(ctx.engine).catalog.exportFormats(model)).toEqual(["merged", "gguf"]); // a full checkpoint, not an adapter
  }, 300_000);

  it("not asked for (auto on an open-weight base), trains every step", async () => {
    const { job, events, lastStep } = await train(ctx.client, HYPER);
    expect(job.status, JSON.stringify(job.error)).toBe("succeeded");
    expect(job.hyperparameters).not.toHaveProperty("early_stopping_patience");
    expect(events.some((e) => e.message.startsWith("Early stopping"))).toBe(false);
    expect(lastStep).toBe(40);
  }, 300_000);
});
