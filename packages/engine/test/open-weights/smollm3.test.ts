/**
 * SmolLM3 with its real chat template (fixtures/chat-templates/smollm3-3b.jinja, SmolLM3-3B's): the engine renders it
 * as Python's jinja2 does under transformers' settings (reference.json, written by scripts/chat_template_reference.py);
 * a LoRA job through the SDK on the `smollm3` fixture (NoPE layer 3) carrying that template trains on OpenAI JSONL with a
 * `/no_think` system message and routes every ticket; and tool-calling data, whose calls that template never writes, is
 * refused while the job validates instead of teaching the model to answer nothing.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { toFile } from "openai";
import { afterAll, describe, expect, it } from "vitest";
import { ChatTemplate, HfTokenizer, renderChat } from "../../src/hf/tokenizer/index.ts";
import type { TemplateMessage } from "../../src/hf/tokenizer/template-messages.ts";
import { registerBaseModel } from "../../src/index.ts";
import { engineWithClient, waitForJob } from "../engine-client.ts";
import { fixtureWithTemplate, toolCasesJsonl } from "./mistral-v3-template.ts";
import { expectLossFellTenfold, expectRoutesTickets, ROUTER_HYPER, trainLosses, trainTicketRouter } from "./tuned-checks.ts";

const TEMPLATES = fileURLToPath(new URL("../../fixtures/chat-templates/", import.meta.url));
const SOURCE = readFileSync(`${TEMPLATES}smollm3-3b.jinja`, "utf8");
const MODEL = "tiny-smollm3";
const SYSTEM = "Route the ticket. /no_think";

interface RenderedCase {
  name: string;
  messages: TemplateMessage[];
  add_generation_prompt: boolean;
  variables: Record<string, unknown>;
  text: string;
}
const reference = JSON.parse(readFileSync(`${TEMPLATES}reference.json`, "utf8")) as {
  today: string;
  templates: Record<string, RenderedCase[]>;
};

/** What @huggingface/jinja's strftime_now("%d %B %Y") gives today (local time, as it reads the clock). */
function today(): string {
  const d = new Date();
  return `${String(d.getDate()).padStart(2, "0")} ${d.toLocaleString("en-US", { month: "long" })} ${d.getFullYear()}`;
}

const checkpoint = fixtureWithTemplate(SOURCE, { fixture: "smollm3" });
afterAll(() => checkpoint.dispose());

describe("SmolLM3-3B's chat template", () => {
  const cases = reference.templates["smollm3-3b.jinja"] ?? [];
  it.each(cases.map((c) => [c.name, c] as const))("renders as transformers does: %s", (_, c) => {
    const template = new ChatTemplate(new Map([["default", SOURCE]]), {}, "smollm3");
    const text = template.render(c.messages, { addGenerationPrompt: c.add_generation_prompt, variables: c.variables });
    expect(text).toBe(c.text.replaceAll(reference.today, today()));
  });

  it("has a system role: a system message is its custom instructions, not folded into the user message", async () => {
    const tokenizer = await HfTokenizer.fromDirectory(checkpoint.dir);
    expect(tokenizer.chatTemplate?.foldsSystem(false)).toBe(false);
    const prompt = renderChat(
      tokenizer,
      [
        { role: "system", content: SYSTEM },
        { role: "user", content: "My invoice is wrong" },
      ],
      { addGenerationPrompt: true },
    );
    expect(prompt).toContain(
      "Reasoning Mode: /no_think\n\n## Custom Instructions\n\nRoute the ticket.\n\n<|im_start|>user\nMy invoice is wrong",
    );
    expect(prompt.endsWith("<|im_start|>assistant\n<think>\n\n</think>\n")).toBe(true);
  });
});

describe("a LoRA job on SmolLM3 (NoPE layers) with its own template", () => {
  it("trains on OpenAI JSONL with a /no_think system message, and the tuned model routes every ticket", async () => {
    const ctx = await engineWithClient({ checkpointEvery: 1000 });
    try {
      const job = await trainTicketRouter(ctx, ROUTER_HYPER, { base: { dir: checkpoint.dir, name: MODEL }, system: SYSTEM });
      expectLossFellTenfold(await trainLosses(ctx.client, job.id));
      await expectRoutesTickets(ctx.client, job.fine_tuned_model ?? "", { system: SYSTEM });
    } finally {
      await ctx.dispose();
    }
  }, 120_000);

  it("refuses tool-calling data while validating: the template writes no tool calls", async () => {
    const ctx = await engineWithClient({ checkpointEvery: 1000 });
    try {
      await registerBaseModel(ctx.engine.store, { dir: checkpoint.dir, name: MODEL });
      const file = await ctx.client.files.create({
        file: await toFile(Buffer.from(toolCasesJsonl()), "tools.jsonl"),
        purpose: "fine-tune",
      });
      const created = await ctx.client.fineTuning.jobs.create({ model: MODEL, training_file: file.id, seed: 3 });
      const job = await waitForJob(ctx.client, created.id);
      expect(job.status).toBe("failed");
      expect(job.error).toMatchObject({ code: "invalid_training_file", param: "training_file" });
      expect(job.error?.message).toMatch(
        new RegExp(`^The training file tools\\.jsonl line 1: the chat template of ${MODEL} does not write the assistant's tool_calls`),
      );
    } finally {
      await ctx.dispose();
    }
  }, 120_000);
});
