/**
 * Phi-4-mini tool calling end to end. Its chat template (fixtures/chat-templates/phi-4-mini-instruct.jinja,
 * Phi-4-mini-instruct's) reads tools only from the system message's own `tools` key and writes only an assistant
 * message's `content`; OpenAI `tools` and `tool_calls` are given to it as its model card shows
 * (hf/tokenizer/system-message-tools.ts), which Python's jinja2 renders the same (reference.json, written by
 * scripts/chat_template_reference.py). The `phi3` fixture carries that template with Phi-4-mini's special tokens
 * (`<|end|>` ending a turn, `<|tool_call|>` and `<|/tool_call|>` each one token); a LoRA job through the SDK on OpenAI
 * chat JSONL with `tools`, assistant `tool_calls` and `tool` results makes the model call each tool as trained, read
 * back as `message.tool_calls` (streamed too), and answer the follow-up that carries the tool's result.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { assistantMask, ChatTemplate, HfTokenizer } from "../../src/hf/tokenizer/index.ts";
import type { TemplateMessage } from "../../src/hf/tokenizer/template-messages.ts";
import { engineWithClient } from "../engine-client.ts";
import { CASES, caseMessages, fixtureWithTemplate, TOOLS, type ToolCase } from "./mistral-v3-template.ts";
import { trainToolCaller } from "./tool-checks.ts";

const TEMPLATES = fileURLToPath(new URL("../../fixtures/chat-templates/", import.meta.url));
const SOURCE = readFileSync(`${TEMPLATES}phi-4-mini-instruct.jinja`, "utf8");
const reference = JSON.parse(readFileSync(`${TEMPLATES}reference.json`, "utf8")) as {
  templates: Record<
    string,
    Array<{
      name: string;
      messages: TemplateMessage[];
      add_generation_prompt: boolean;
      text: string;
      openai?: { messages: TemplateMessage[]; tools: unknown[] };
    }>
  >;
};
const MODEL = "tiny-phi4-mini-tools";

/**
 * The phi3 fixture with Phi-4-mini's special tokens (eos `<|endoftext|>`, `<|end|>` among the eos ids) and, as
 * Phi-4-mini, no sliding window shorter than its context (the fixture's 12 keys, over 2 layers, would not let a call's
 * arguments see the user's words).
 */
const checkpoint = fixtureWithTemplate(SOURCE, {
  fixture: "phi3",
  renames: { 458: "<|end|>", 459: "<|tool_call|>", 460: "<|/tool_call|>" },
  eosToken: "<|endoftext|>",
  config: { sliding_window: null },
});
afterAll(() => checkpoint.dispose());

describe("Phi-4-mini's chat template", () => {
  it.each((reference.templates["phi-4-mini-instruct.jinja"] ?? []).map((c) => [c.name, c] as const))(
    "renders as transformers does: %s",
    (_, c) => {
      const template = new ChatTemplate(new Map([["default", SOURCE]]), { eos_token: "<|endoftext|>" }, "phi-4-mini");
      // a case with tools is rendered from its OpenAI form: the engine puts the tools on the system message and the calls
      // in the content itself
      const text = c.openai
        ? template.render(c.openai.messages, { tools: c.openai.tools as never, addGenerationPrompt: c.add_generation_prompt })
        : template.render(c.messages, { addGenerationPrompt: c.add_generation_prompt });
      expect(text).toBe(c.text);
    },
  );

  it("trains a call on <|tool_call|>, its JSON list, <|/tool_call|> and <|end|>, each marker one special token", async () => {
    const tokenizer = await HfTokenizer.fromDirectory(checkpoint.dir);
    for (const token of ["<|end|>", "<|tool_call|>", "<|/tool_call|>"]) {
      const id = tokenizer.tokenToId(token);
      expect(id !== undefined && tokenizer.isSpecial(id), token).toBe(true);
    }
    const mask = assistantMask(tokenizer, caseMessages(CASES[0] as ToolCase) as never, TOOLS as never);
    expect(mask.spans.map((s) => tokenizer.decode(mask.ids.slice(s.start, s.end)))).toEqual([
      '<|tool_call|>[{"name": "weather", "arguments": {"city": "Paris"}}]<|/tool_call|><|end|>',
      "Yes, rain.<|end|>",
    ]);
  });

  it("a LoRA job on OpenAI JSONL with tools makes the model call them as trained, and answer the tool's result", async () => {
    const ctx = await engineWithClient({ checkpointEvery: 1000 });
    try {
      await trainToolCaller(ctx, checkpoint.dir, MODEL);
    } finally {
      await ctx.dispose();
    }
  }, 240_000);
});
