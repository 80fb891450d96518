/** Checks shared by the open-weight job tests: a job's training loss fell, and a tuned model routes the tickets as trained. */
import type OpenAI from "openai";
import { expect } from "vitest";
import { TICKETS } from "./tickets.ts";

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
