/**
 * A chat template without a system role (Mistral 7B Instruct v0.1/v0.2 as first released): OpenAI JSONL whose examples
 * start with a system message trains (it was refused by the template before), with the system message at the start of
 * the first user message; the job says so; a chat completion with the same system message gets the same prompt and
 * routes every ticket. What the template still refuses (roles that do not alternate) fails the job while it validates
 * its files, naming the file and the line.
 */
import { toFile } from "openai";
import { afterAll, describe, expect, it } from "vitest";
import { HfTokenizer, renderChat } from "../../src/hf/tokenizer/index.ts";
import { MISTRAL_V1_TEMPLATE } from "../../src/hf/tokenizer/test-templates.ts";
import { registerBaseModel } from "../../src/index.ts";
import { checkChatTemplate } from "../../src/jobs/template-checks.ts";
import { engineWithClient, waitForJob } from "../engine-client.ts";
import { fixtureWithTemplate } from "./mistral-v3-template.ts";
import { TICKETS, ticketsJsonl } from "./tickets.ts";
import { expectLossFellTenfold, trainLosses } from "./tuned-checks.ts";

const MODEL = "tiny-mistral-v1";
const checkpoint = fixtureWithTemplate(MISTRAL_V1_TEMPLATE);
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

  it("checks both conversations of a preference pair, and a validation file, naming it", async () => {
    const user = (content: string) => ({ role: "user" as const, content });
    const reply = (content: string) => [{ role: "assistant" as const, content }];
    const pair = { input: { messages: [user("Hi")] }, preferred_output: reply("Hello"), non_preferred_output: reply("Go") };
    const train = { name: "prefs.jsonl", param: "training_file" as const, examples: [], preferences: [pair, pair] };
    expect(await checkChatTemplate(checkpoint.dir, MODEL, [train])).toBeUndefined();
    const odd = { ...pair, non_preferred_output: [...reply("Go"), ...reply("away")] };
    expect(await checkChatTemplate(checkpoint.dir, MODEL, [{ ...train, preferences: [pair, odd] }])).toEqual({
      code: "invalid_training_file",
      param: "training_file",
      message: `The training file prefs.jsonl line 2: the chat template of ${MODEL} refuses its messages: Conversation roles must alternate user/assistant/user/assistant/...`,
    });
    const valid = {
      name: "valid.jsonl",
      param: "validation_file" as const,
      examples: [{ messages: [user("A"), user("B")] }],
      preferences: [],
    };
    const refused = await checkChatTemplate(checkpoint.dir, MODEL, [train, valid]);
    expect(refused?.param).toBe("validation_file");
    expect(refused?.message).toMatch(/^The validation file valid\.jsonl line 1: /);
  });

  it("fails a job whose file the template refuses while validating it, naming the file, the line and the template's reason", async () => {
    const ctx = await engineWithClient({ checkpointEvery: 1000 });
    try {
      await registerBaseModel(ctx.engine.store, { dir: checkpoint.dir, name: MODEL });
      const lines = ticketsJsonl().trim().split("\n");
      const broken = JSON.parse(lines[3] ?? "") as { messages: Array<{ role: string; content: string }> };
      broken.messages.splice(2, 0, { role: "user", content: "Please hurry" }); // two user messages in a row
      lines[3] = JSON.stringify(broken);
      const file = await ctx.client.files.create({
        file: await toFile(Buffer.from(`${lines.join("\n")}\n`), "tickets.jsonl"),
        purpose: "fine-tune",
      });
      const created = await ctx.client.fineTuning.jobs.create({ model: MODEL, training_file: file.id, seed: 3 });
      const job = await waitForJob(ctx.client, created.id);
      expect(job.status).toBe("failed");
      expect(job.error?.code).toBe("invalid_training_file");
      expect(job.error?.param).toBe("training_file");
      expect(job.error?.message).toBe(
        `The training file tickets.jsonl line 4: the chat template of ${MODEL} refuses its messages: Conversation roles must alternate user/assistant/user/assistant/...`,
      );
      const events = [];
      for await (const e of ctx.client.fineTuning.jobs.listEvents(job.id, { limit: 1000 })) events.push(e.message);
      expect(events.some((m) => m.includes("moving job to queued"))).toBe(false);
    } finally {
      await ctx.dispose();
    }
  }, 120_000);
});
