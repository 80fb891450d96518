/**
 * Shared by the open-weight job tests: training the tiny Qwen2 fixture to route the tickets through the SDK, and checking
 * that the training loss fell and that the tuned model routes the tickets as trained.
 */
import type OpenAI from "openai";
import { toFile } from "openai";
import { expect } from "vitest";
import { registerBaseModel } from "../../src/index.ts";
import { type engineWithClient, waitForJob } from "../engine-client.ts";
import { FIXTURES } from "./reference.ts";
import { TICKETS, ticketsJsonl } from "./tickets.ts";

/**
 * Registers the qwen2 fixture as `tiny-qwen2`, uploads the tickets and trains a supervised job on them with
 * `hyperparameters` (seed 3); returns the job once it succeeded.
 */
export async function trainTicketRouter(
  ctx: Awaited<ReturnType<typeof engineWithClient>>,
  hyperparameters: Record<string, unknown>,
  options: { suffix?: string } = {},
): Promise<OpenAI.FineTuning.FineTuningJob> {
  await registerBaseModel(ctx.engine.store, { dir: `${FIXTURES}qwen2`, name: "tiny-qwen2" });
  const file = await ctx.client.files.create({ file: await toFile(Buffer.from(ticketsJsonl()), "tickets.jsonl"), purpose: "fine-tune" });
  const created = await ctx.client.fineTuning.jobs.create({
    model: "tiny-qwen2",
    training_file: file.id,
    seed: 3,
    ...(options.suffix ? { suffix: options.suffix } : {}),
    method: { type: "supervised", supervised: { hyperparameters: hyperparameters as never } },
  });
  const job = await waitForJob(ctx.client, created.id);
  expect(job.status, JSON.stringify(job.error)).toBe("succeeded");
  return job;
}

/** The job's train_loss metrics, oldest first. */
export async function trainLosses(client: OpenAI, jobId: string): Promise<number[]> {
  const losses: number[] = [];
  for await (const e of client.fineTuning.jobs.listEvents(jobId, { limit: 1000 }))
    if (e.type === "metrics") losses.push((e.data as { train_loss: number }).train_loss);
  return losses.reverse(); // events are newest first
}

/** The mean of the last three losses is below a tenth of the first three's. */
export function expectLossFellTenfold(losses: readonly number[]): void {
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  expect(mean(losses.slice(-3))).toBeLessThan(mean(losses.slice(0, 3)) / 10);
}

/** Greedy replies of `model` to every ticket are its team, as the tickets example trains. */
export async function expectRoutesTickets(client: OpenAI, model: string): Promise<void> {
  for (const [user, label] of TICKETS) {
    const reply = await client.chat.completions.create({
      model,
      temperature: 0,
      max_tokens: 8,
      messages: [
        { role: "system", content: "Route the ticket." },
        { role: "user", content: user },
      ],
    });
    expect(reply.choices[0]?.message.content).toBe(label);
  }
}
