/**
 * Shared by the open-weight job tests: training a tiny fixture (Qwen2 by default) to route the tickets through the SDK, and checking
 * that the training loss fell and that the tuned model routes the tickets as trained.
 */
import type OpenAI from "openai";
import { toFile } from "openai";
import { expect } from "vitest";
import { registerBaseModel } from "../../src/index.ts";
import { type engineWithClient, waitForJob } from "../engine-client.ts";
import { FIXTURES } from "./reference.ts";
import { TICKETS, ticketsJsonl } from "./tickets.ts";

/** LoRA settings that teach a tiny fixture the ten tickets (20 epochs of two steps). */
export const ROUTER_HYPER = { n_epochs: 20, batch_size: 5, learning_rate_multiplier: 25, lora_rank: 8, lora_alpha: 16 } as const;

/**
 * Registers a base (the qwen2 fixture as `tiny-qwen2` unless `base` names another folder), uploads the tickets (with
 * `system`, default "Route the ticket.") and trains a supervised job on them with `hyperparameters` (seed 3); returns the
 * job once it succeeded.
 */
export async function trainTicketRouter(
  ctx: Awaited<ReturnType<typeof engineWithClient>>,
  hyperparameters: Record<string, unknown>,
  options: { suffix?: string; base?: { dir: string; name: string }; system?: string | null } = {},
): Promise<OpenAI.FineTuning.FineTuningJob> {
  const base = options.base ?? { dir: `${FIXTURES}qwen2`, name: "tiny-qwen2" };
  const jsonl = ticketsJsonl(TICKETS, options.system === undefined ? "Route the ticket." : options.system);
  return trainOnFile(ctx, base, { name: "tickets.jsonl", text: jsonl }, hyperparameters, {
    seed: 3,
    ...(options.suffix ? { suffix: options.suffix } : {}),
  });
}

/** Registers `base`, uploads `file` and trains a supervised job on it through the SDK; returns the job once it succeeded. */
export async function trainOnFile(
  ctx: Awaited<ReturnType<typeof engineWithClient>>,
  base: { dir: string; name: string },
  file: { name: string; text: string },
  hyperparameters: Record<string, unknown>,
  options: { seed: number; suffix?: string },
): Promise<OpenAI.FineTuning.FineTuningJob> {
  await registerBaseModel(ctx.engine.store, base);
  const uploaded = await ctx.client.files.create({ file: await toFile(Buffer.from(file.text), file.name), purpose: "fine-tune" });
  const created = await ctx.client.fineTuning.jobs.create({
    model: base.name,
    training_file: uploaded.id,
    seed: options.seed,
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

/**
 * Greedy replies of `model` to every ticket (after `system`, default "Route the ticket."; null: none) are its team
 * (`trim`: up to surrounding spaces, for templates that write a space before the answer).
 */
export async function expectRoutesTickets(
  client: OpenAI,
  model: string,
  options: { system?: string | null; trim?: boolean } = {},
): Promise<void> {
  const system = options.system === undefined ? "Route the ticket." : options.system;
  for (const [user, label] of TICKETS) {
    const reply = await client.chat.completions.create({
      model,
      temperature: 0,
      max_tokens: 8,
      messages: [...(system === null ? [] : [{ role: "system" as const, content: system }]), { role: "user", content: user }],
    });
    const content = reply.choices[0]?.message.content;
    expect(options.trim ? content?.trim() : content, user).toBe(label);
  }
}

/** The greedy reply (at most 6 tokens) of `model` to one user message, without a system message. */
export async function greedyReply(client: OpenAI, model: string, user: string): Promise<string | null | undefined> {
  const reply = await client.chat.completions.create({
    model,
    temperature: 0,
    max_tokens: 6,
    messages: [{ role: "user", content: user }],
  });
  return reply.choices[0]?.message.content;
}

/**
 * A full fine-tune of the registered base `model` on the tickets without a system message (seed 2, 15 epochs of
 * batch 5, learning-rate multiplier 100) through the SDK; checks that it succeeded and that the tuned model answers
 * every ticket as trained; returns the job.
 */
export async function trainFullRouter(
  ctx: Awaited<ReturnType<typeof engineWithClient>>,
  model: string,
): Promise<OpenAI.FineTuning.FineTuningJob> {
  const file = await ctx.client.files.create({
    file: await toFile(Buffer.from(ticketsJsonl(TICKETS, null)), "t.jsonl"),
    purpose: "fine-tune",
  });
  const created = await ctx.client.fineTuning.jobs.create({
    model,
    training_file: file.id,
    seed: 2,
    hyperparameters: { training_type: "full", n_epochs: 15, batch_size: 5, learning_rate_multiplier: 100 } as never,
  });
  const job = await waitForJob(ctx.client, created.id);
  expect(job.status, JSON.stringify(job.error)).toBe("succeeded");
  for (const [user, label] of TICKETS) expect(await greedyReply(ctx.client, job.fine_tuned_model ?? "", user), user).toBe(label);
  return job;
}
