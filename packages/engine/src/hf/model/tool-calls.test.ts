/**
 * parseHfToolCalls: the four families' conventions become OpenAI tool calls; malformed calls and calls of tools the
 * request did not offer stay content. Mistral's forms are those its templates write (v0.3 and Nemo: a JSON list
 * after `[TOOL_CALLS]` with 9-character ids) and those its later models write (`[TOOL_CALLS]name[ARGS]{…}`).
 */
import { describe, expect, it } from "vitest";
import { parseHfToolCalls, streamableLength } from "./tool-calls.ts";

const TOOLS = [
  { type: "function", function: { name: "get_weather", parameters: { type: "object" } } },
  { type: "function", function: { name: "route_ticket", parameters: { type: "object" } } },
];
const fn = (r: ReturnType<typeof parseHfToolCalls>) => r.toolCalls.map((c) => c.function);

describe("Mistral's convention", () => {
  it("reads the JSON list after [TOOL_CALLS] (Mistral 7B v0.3, Nemo), ids and all, arguments as a JSON string", () => {
    const r = parseHfToolCalls(
      '[TOOL_CALLS] [{"name": "get_weather", "arguments": {"city": "Paris"}, "id": "a1B2c3D4e"}, {"name": "route_ticket", "arguments": {"team": "billing"}, "id": "Zz9Yy8Xx7"}]',
      TOOLS,
    );
    expect(r.content).toBe("");
    expect(fn(r)).toEqual([
      { name: "get_weather", arguments: '{"city":"Paris"}' },
      { name: "route_ticket", arguments: '{"team":"billing"}' },
    ]);
    expect(r.toolCalls.every((c) => c.type === "function" && c.id.startsWith("call_"))).toBe(true);
    expect(new Set(r.toolCalls.map((c) => c.id)).size).toBe(2);
  });

  it("reads [TOOL_CALLS]name[ARGS]{…} per call (later Mistral models), with or without [CALL_ID], and keeps text before as content", () => {
    const r = parseHfToolCalls(
      'Let me check.[TOOL_CALLS]get_weather[ARGS]{"city": "Lyon"}[TOOL_CALLS]route_ticket[CALL_ID]abc123XYZ[ARGS]{"team": "technical"}',
      TOOLS,
    );
    expect(r.content).toBe("Let me check.");
    expect(fn(r)).toEqual([
      { name: "get_weather", arguments: '{"city":"Lyon"}' },
      { name: "route_ticket", arguments: '{"team":"technical"}' },
    ]);
  });

  it("leaves malformed calls, and calls of tools not offered, as content", () => {
    for (const text of [
      '[TOOL_CALLS] [{"name": "get_weather", "arguments": {"city": ',
      '[TOOL_CALLS] [{"name": "delete_everything", "arguments": {}}]',
      "[TOOL_CALLS]get_weather{no args marker}",
      "[TOOL_CALLS] []",
    ]) {
      const r = parseHfToolCalls(text, TOOLS);
      expect(r.toolCalls, text).toEqual([]);
      expect(r.content).toBe(text);
    }
  });

  it("without tools in the request, [TOOL_CALLS] text stays content", () => {
    const text = '[TOOL_CALLS] [{"name": "get_weather", "arguments": {}}]';
    expect(parseHfToolCalls(text, undefined)).toEqual({ content: text, toolCalls: [] });
  });
});

describe("Granite's convention", () => {
  it("reads the JSON list after <|tool_call|>, either key first, and keeps text before as content", () => {
    const r = parseHfToolCalls(
      'Routing it.<|tool_call|>[{"arguments": {"team": "billing"}, "name": "route_ticket"}, {"name": "get_weather", "arguments": {}}]',
      TOOLS,
    );
    expect(r.content).toBe("Routing it.");
    expect(fn(r)).toEqual([
      { name: "route_ticket", arguments: '{"team":"billing"}' },
      { name: "get_weather", arguments: "{}" },
    ]);
  });

  it("leaves a malformed list, an empty one and a tool not offered as content", () => {
    for (const text of [
      '<|tool_call|>[{"name": "route_ticket", "arguments": {',
      "<|tool_call|>[]",
      '<|tool_call|>[{"name": "delete_all"}]',
    ])
      expect(parseHfToolCalls(text, TOOLS)).toEqual({ content: text, toolCalls: [] });
  });

  it("holds a call back from streaming from its marker on", () => {
    expect(streamableLength("Routing it.<|tool_")).toBe("Routing it.".length);
    expect(streamableLength("Routing it.<|tool_call|>[")).toBe(0);
  });
});

describe("Phi-4-mini's convention", () => {
  it("reads the JSON list between <|tool_call|> and <|/tool_call|>, one block or several, a lone object too", () => {
    const r = parseHfToolCalls(
      'On it.<|tool_call|>[{"name": "route_ticket", "arguments": {"team": "billing"}}]<|/tool_call|>\n<|tool_call|>{"name": "get_weather", "arguments": {"city": "Oslo"}}<|/tool_call|>',
      TOOLS,
    );
    expect(r.content).toBe("On it.");
    expect(fn(r)).toEqual([
      { name: "route_ticket", arguments: '{"team":"billing"}' },
      { name: "get_weather", arguments: '{"city":"Oslo"}' },
    ]);
    expect(fn(parseHfToolCalls('<|tool_call|>[{"name": "get_weather", "arguments": {}}]', TOOLS))).toEqual([
      { name: "get_weather", arguments: "{}" },
    ]);
  });

  it("leaves text after the closing marker, a malformed block and a tool not offered as content", () => {
    for (const text of [
      '<|tool_call|>[{"name": "get_weather", "arguments": {}}]<|/tool_call|> and then',
      '<|tool_call|>[{"name": "get_weather", "arguments": {}}]<|/tool_call|><|tool_call|>[{"name": "get_weather"',
      '<|tool_call|>[{"name": "delete_all", "arguments": {}}]<|/tool_call|>',
    ])
      expect(parseHfToolCalls(text, TOOLS)).toEqual({ content: text, toolCalls: [] });
  });
});

describe("the other conventions, unchanged", () => {
  it("Hermes/Qwen blocks and Llama 3 bare JSON", () => {
    expect(fn(parseHfToolCalls('<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call>', TOOLS))).toEqual([
      { name: "get_weather", arguments: '{"city":"Oslo"}' },
    ]);
    expect(fn(parseHfToolCalls('<|python_tag|>{"name": "get_weather", "parameters": {"city": "Rome"}}', TOOLS))).toEqual([
      { name: "get_weather", arguments: '{"city":"Rome"}' },
    ]);
  });
});

describe("streamableLength: what of a tool request's output so far may be streamed as content", () => {
  it("all of plain text, none once a call has started", () => {
    expect(streamableLength("The weather is fine.")).toBe(20);
    expect(streamableLength('[TOOL_CALLS] [{"name": "get_weather"')).toBe(0);
    expect(streamableLength("Let me check.[TOOL_CALLS]get_weather")).toBe(0);
    expect(streamableLength("<tool_call>\n{")).toBe(0);
    expect(streamableLength(' {"name"')).toBe(0);
  });

  it("holds back the start of a marker written piece by piece (a tokenizer without [TOOL_CALLS] as one token)", () => {
    for (const partial of ["[", "[TOOL", "[TOOL_CALLS"]) expect(streamableLength(partial), partial).toBe(0);
    expect(streamableLength("Let me check.[TOOL_")).toBe("Let me check.".length);
    expect(streamableLength("Sure <tool_")).toBe("Sure ".length);
    expect(streamableLength("<|python")).toBe(0);
    // leading whitespace may still begin a bare JSON call
    expect(streamableLength("\n ")).toBe(0);
    // text that cannot begin a marker goes out whole
    expect(streamableLength("[1] and [2]")).toBe(11);
  });
});
