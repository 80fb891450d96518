import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ChatTemplate } from "./chat-template.ts";
import { usesSystemMessageTools, withSystemMessageTools } from "./system-message-tools.ts";
import type { TemplateMessage } from "./template-messages.ts";

/** Phi-4-mini-instruct's template as its tokenizer_config.json has it: tools only from the system message. */
const PHI4_MINI_TEMPLATE = readFileSync(new URL("../../../fixtures/chat-templates/phi-4-mini-instruct.jinja", import.meta.url), "utf8");

const TOOLS = [
  {
    type: "function" as const,
    function: {
      name: "get_weather",
      description: "Weather in a city.",
      parameters: { type: "object", properties: { city: { type: "string" } } },
    },
  },
];
const WRITTEN_TOOLS =
  '[{"name": "get_weather", "description": "Weather in a city.", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}]';

const template = () => new ChatTemplate(new Map([["default", PHI4_MINI_TEMPLATE]]), { eos_token: "<|endoftext|>" }, "phi-4-mini");

describe("Phi-4-mini's tools on the system message", () => {
  it("applies to templates that read a message's tools and do not write tool_calls", () => {
    expect(usesSystemMessageTools(PHI4_MINI_TEMPLATE)).toBe(true);
    expect(usesSystemMessageTools("{{ message.tools }}{{ message.content }}")).toBe(true);
    expect(usesSystemMessageTools("{% for t in tools %}{{ t | tojson }}{% endfor %}{{ message['content'] }}")).toBe(false);
    expect(usesSystemMessageTools("{{ message['tools'] }}{% for c in message.tool_calls %}{% endfor %}")).toBe(false);
  });

  it("gives the tools to the system message as a JSON dump of the functions, as the model card shows", () => {
    const messages: TemplateMessage[] = [
      { role: "system", content: "You route weather questions." },
      { role: "user", content: "Paris?" },
    ];
    expect(template().render(messages, { tools: TOOLS, addGenerationPrompt: true })).toBe(
      `<|system|>You route weather questions.<|tool|>${WRITTEN_TOOLS}<|/tool|><|end|><|user|>Paris?<|end|><|assistant|>`,
    );
    // without tools the template renders the conversation as it is
    expect(template().render(messages, { addGenerationPrompt: true })).toBe(
      "<|system|>You route weather questions.<|end|><|user|>Paris?<|end|><|assistant|>",
    );
  });

  it("adds a system message with empty content for the tools when the conversation has none", () => {
    expect(template().render([{ role: "user", content: "Paris?" }], { tools: TOOLS, addGenerationPrompt: true })).toBe(
      `<|system|><|tool|>${WRITTEN_TOOLS}<|/tool|><|end|><|user|>Paris?<|end|><|assistant|>`,
    );
  });

  it("writes an assistant's calls as <|tool_call|>, a JSON list of name and arguments, and <|/tool_call|>, after any text", () => {
    const messages: TemplateMessage[] = [
      { role: "user", content: "Paris and Oslo?" },
      {
        role: "assistant",
        content: "",
        tool_calls: [
          { id: "call_1", type: "function", function: { name: "get_weather", arguments: { city: "Paris" } } },
          { id: "call_2", type: "function", function: { name: "get_weather", arguments: { city: "Oslo" } } },
        ],
      },
      { role: "tool", content: "rain", tool_call_id: "call_1" },
      { role: "tool", content: "snow", tool_call_id: "call_2" },
      { role: "assistant", content: "Rain in Paris, snow in Oslo." },
    ];
    expect(withSystemMessageTools(messages, null)[1]).toEqual({
      role: "assistant",
      content:
        '<|tool_call|>[{"name": "get_weather", "arguments": {"city": "Paris"}}, {"name": "get_weather", "arguments": {"city": "Oslo"}}]<|/tool_call|>',
    });
    expect(template().render(messages, { tools: TOOLS })).toBe(
      `<|system|><|tool|>${WRITTEN_TOOLS}<|/tool|><|end|><|user|>Paris and Oslo?<|end|>` +
        '<|assistant|><|tool_call|>[{"name": "get_weather", "arguments": {"city": "Paris"}}, {"name": "get_weather", "arguments": {"city": "Oslo"}}]<|/tool_call|><|end|>' +
        "<|tool|>rain<|end|><|tool|>snow<|end|><|assistant|>Rain in Paris, snow in Oslo.<|end|><|endoftext|>",
    );
  });
});
