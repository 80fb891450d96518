import { describe, expect, it } from "vitest";
import { serializeToolCall } from "../tokenizer/chat-template.ts";
import { parseToolCalls } from "./tool-calls.ts";

describe("tool-call parser", () => {
  it("turns the serialized form back into OpenAI tool_calls", () => {
    const call = { id: "x", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } };
    const text = `<|call|>${serializeToolCall(call)}<|call|>${serializeToolCall({ function: { name: "noop", arguments: "{}" } })}`;
    const { content, toolCalls } = parseToolCalls(text);
    expect(content).toBeNull();
    expect(toolCalls.map((c) => c.function)).toEqual([
      { name: "get_weather", arguments: '{"city":"Paris"}' },
      { name: "noop", arguments: "{}" },
    ]);
    expect(toolCalls[0]?.id).toMatch(/^call_/);
    expect(toolCalls[0]?.id).not.toBe(toolCalls[1]?.id);
  });

  it("keeps content before the calls and leaves unparseable calls in the text", () => {
    expect(parseToolCalls("plain answer")).toEqual({ content: "plain answer", toolCalls: [] });
    const r = parseToolCalls('Let me check.<|call|>{"name":"f","arguments":{"a":1}}<|call|>{broken');
    expect(r.content).toBe("Let me check.<|call|>{broken");
    expect(r.toolCalls).toHaveLength(1);
    expect(r.toolCalls[0]?.function.arguments).toBe('{"a":1}');
  });
});
