import { describe, expect, it } from "vitest";
import { usesGraniteToolCalls, withGraniteToolCalls } from "./granite-tool-calls.ts";
import type { TemplateMessage } from "./template-messages.ts";

describe("Granite's tool calls in the content", () => {
  it("writes an assistant's calls as <|tool_call|> and a JSON list spaced as Python writes it, after any text", () => {
    const messages: TemplateMessage[] = [
      { role: "user", content: "Billed twice" },
      {
        role: "assistant",
        content: "",
        tool_calls: [
          { id: "call_1", type: "function", function: { name: "route_ticket", arguments: { team: "billing", tags: ["refund", 2] } } },
          { type: "function", function: { name: "notify", arguments: {} } },
        ],
      },
      { role: "tool", content: "routed", tool_call_id: "call_1" },
      { role: "assistant", content: "Also:", tool_calls: [{ type: "function", function: { name: "close", arguments: "not json" } }] },
    ];
    expect(withGraniteToolCalls(messages)).toEqual([
      messages[0],
      {
        role: "assistant",
        content:
          '<|tool_call|>[{"arguments": {"team": "billing", "tags": ["refund", 2]}, "name": "route_ticket"}, {"arguments": {}, "name": "notify"}]',
      },
      messages[2],
      { role: "assistant", content: 'Also:<|tool_call|>[{"arguments": "not json", "name": "close"}]' },
    ]);
  });

  it("applies to templates that name <|tool_call|> and do not write tool_calls themselves", () => {
    expect(usesGraniteToolCalls("respond only with <|tool_call|> followed by a JSON list {{ message['content'] }}")).toBe(true);
    expect(usesGraniteToolCalls("<|tool_call|>{% for c in message.tool_calls %}{% endfor %}")).toBe(false);
    expect(usesGraniteToolCalls("<tool_call>{{ message.content }}")).toBe(false);
  });
});
