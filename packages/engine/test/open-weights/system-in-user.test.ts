/**
 * A chat template without a system role (Mistral 7B Instruct v0.1/v0.2 as first released): OpenAI JSONL whose examples
 * start with a system message trains (it was refused by the template before), with the system message at the start of
 * the first user message; the job says so; a chat completion with the same system message gets the same prompt and
 * routes every ticket.
 */
import { toFile } from "openai";
import { afterAll, describe, expect, it } from "vitest";
import { HfTokenizer, renderChat } from "../../src/hf/tokenizer/index.ts";
import { MISTRAL_V1_TEMPLATE } from "../../src/hf/tokenizer/test-templates.ts";
import { registerBaseModel } from "../../src/index.ts";
import { engineWithClient, waitForJob } from "../engine-client.ts";
import { mistralWithTemplate } from "./mistral-v3-template.ts";
import { TICKETS, ticketsJsonl } from "./tickets.ts";
import { expectLossFellTenfold, trainLosses } from "./tuned-checks.ts";

const MODEL = "tiny-mistral-v1";
const checkpoint = mistralWithTemplate(MISTRAL_V1_TEMPLATE);
afterAll(() => checkpoint.dispose());

describe("a base whose chat template has no system role", () => {
  it("renders a system message into the first user message, for training and for chat completions alike", async () => {
    const tokenizer = await HfTokenizer.fromDirectory(checkpoint.dir);
    const messages = [
      { role: "system" as const, content: "Route the ticket." },
      { role: "user" as const, content: "My invoice is wrong" },
    ];
    expect(renderChat(tokenizer, messages, { addGenerationPrompt: true })).toBe("[INST] Route the ticket.\n\nMy invoice is wrong [/INST]");
  });

  it("trains on OpenAI JSONL with system messages, says how, and the tuned model routes every ticket", async () => {
    const ctx = await engineWithClient({ checkpointEvery: 1000 });
    try {
      await registerBaseModel(ctx.engine.store, { dir: checkpoint.dir, name: MODEL });
      const file = await ctx.client.files.create({
        file: await toFile(Buffer.from(ticketsJsonl()), "tickets.jsonl"),
        purpose: "fine-tune",
      });
      const created = await ctx.client.fineTuning.jobs.create({
        model: MODEL,
        training_file: file.id,
        seed: 3,
        method: {
          type: "supervised",
          supervised: {
            hyperparameters: { n_epochs: 20, batch_size: 5, learning_rate_multiplier: 25, lora_rank: 8, lora_alpha: 16 } as never,
          },
        },
      });
      const job = await waitForJob(ctx.client, created.id);
      expect(job.status, JSON.stringify(job.error)).toBe("succeeded");
      expectLossFellTenfold(await trainLosses(ctx.client, job.id));
      const notices = [];
      for await (const e of ctx.client.fineTuning.jobs.listEvents(job.id, { limit: 1000 }))
        if (e.message.includes("has no system role")) notices.push(e);
      expect(notices.map((e) => [e.level, e.data])).toEqual([["info", { system_in_user_examples: 10 }]]);
      expect(notices[0]?.message).toContain("of 10 training examples");
      for (const [user, label] of TICKETS) {
        const reply = await ctx.client.chat.completions.create({
          model: job.fine_tuned_model ?? "",
          temperature: 0,
          max_tokens: 8,
          messages: [
            { role: "system", content: "Route the ticket." },
            { role: "user", content: user },
          ],
        });
        expect(reply.choices[0]?.message.content?.trim(), user).toBe(label);
      }
    } finally {
      await ctx.dispose();
    }
  }, 120_000);
});
