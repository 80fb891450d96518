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
import { ticketsJsonl } from "./tickets.ts";
import { expectLossFellTenfold, expectRoutesTickets, ROUTER_HYPER, trainLosses, trainTicketRouter } from "./tuned-checks.ts";

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
      const job = await trainTicketRouter(ctx, ROUTER_HYPER, { base: { dir: checkpoint.dir, name: MODEL } });
      expectLossFellTenfold(await trainLosses(ctx.client, job.id));
      const notices = [];
      for await (const e of ctx.client.fineTuning.jobs.listEvents(job.id, { limit: 1000 }))
        if (e.message.includes("has no system role")) notices.push(e);
      expect(notices.map((e) => [e.level, e.data])).toEqual([["info", { system_in_user_examples: 10 }]]);
      expect(notices[0]?.message).toContain("of 10 training examples");
      await expectRoutesTickets(ctx.client, job.fine_tuned_model ?? "", { trim: true });
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
