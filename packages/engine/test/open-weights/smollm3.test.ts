/**
 * SmolLM3 with its real chat template (fixtures/chat-templates/smollm3-3b.jinja, SmolLM3-3B's): the engine renders it
 * as Python's jinja2 does under transformers' settings (reference.json, written by scripts/chat_template_reference.py);
 * a LoRA job through the SDK on the `smollm3` fixture (NoPE layer 3) carrying that template trains on OpenAI JSONL with a
 * `/no_think` system message and routes every ticket; and tool-calling data in OpenAI's form is written in SmolLM3's
 * convention (smollm3-tools.ts): the tools as the template's `xml_tools`, each call in the content as `<tool_call>`,
 * which transformers renders the same (reference.json) and the server reads back as the call.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parseHfToolCalls } from "../../src/hf/model/tool-calls.ts";
import { assistantMask, ChatTemplate, HfTokenizer, renderChat } from "../../src/hf/tokenizer/index.ts";
import type { TemplateMessage } from "../../src/hf/tokenizer/template-messages.ts";
import { checkChatTemplate } from "../../src/jobs/template-checks.ts";
import { engineWithClient } from "../engine-client.ts";
import { CASES, caseMessages, fixtureWithTemplate, TOOLS, type ToolCase } from "./mistral-v3-template.ts";
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
  /** The same conversation in OpenAI's form (tools, tool_calls), where the case writes SmolLM3's tool convention. */
  openai?: { messages: TemplateMessage[]; tools: unknown[] };
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
    // a case with tools is rendered from its OpenAI form: the engine writes xml_tools and the calls itself
    const text = c.openai
      ? template.render(c.openai.messages, { tools: c.openai.tools as never, addGenerationPrompt: c.add_generation_prompt })
      : template.render(c.messages, { addGenerationPrompt: c.add_generation_prompt, variables: c.variables });
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

  it("trains tool-calling data in SmolLM3's convention: tools as xml_tools, each call in <tool_call> in the content", async () => {
    const tokenizer = await HfTokenizer.fromDirectory(checkpoint.dir);
    const [c] = CASES as [ToolCase];
    const messages = [{ role: "system", content: SYSTEM }, ...caseMessages(c)] as never;
    const mask = assistantMask(tokenizer, messages, TOOLS as never);
    const spans = mask.spans.map((s) => tokenizer.decode(mask.ids.slice(s.start, s.end)));
    expect(spans).toEqual([
      // in /no_think mode the empty think block is part of the prompt
      `<tool_call>\n{"name": "weather", "arguments": {"city": "Paris"}}\n</tool_call><|im_end|>`,
      `${c.answer}<|im_end|>`,
    ]);
    // what the model is trained to write, the server reads back as the call
    const parsed = parseHfToolCalls((spans[0] as string).replace("<|im_end|>", ""), TOOLS as never);
    expect(parsed.toolCalls.map((t) => [t.function.name, JSON.parse(t.function.arguments)])).toEqual([[c.name, c.args]]);
    expect(parsed.content).toBe("");
    // the tools reach the prompt (as xml_tools), so the job's checks take such files
    expect(renderChat(tokenizer, messages, { tools: TOOLS as never })).toContain(
      "<tools>\n{'name': 'weather'}\n{'name': 'timer'}\n{'name': 'light'}\n</tools>",
    );
    const file = { name: "tools.jsonl", param: "training_file" as const, preferences: [] };
    const examples = CASES.map((k) => ({ messages: caseMessages(k) as never, tools: TOOLS as never }));
    expect(await checkChatTemplate(checkpoint.dir, MODEL, [{ ...file, examples }])).toBeUndefined();
  });
});
