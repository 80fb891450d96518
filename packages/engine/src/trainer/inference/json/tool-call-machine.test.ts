import { describe, expect, it } from "vitest";
import { parseHfToolCalls } from "../../../hf/model/tool-calls.ts";
import { parseToolCalls } from "../tool-calls.ts";
import { ToolCallMachine } from "./tool-call-machine.ts";

const utf8 = new TextEncoder();
const takes = (m: ToolCallMachine, text: string) => m.pushAll(utf8.encode(text));
const params = { type: "object", properties: { q: { enum: ["bill", "tech"] } }, required: ["q"], additionalProperties: false };

describe("ToolCallMachine", () => {
  it("a bare JSON call (open-weight models) naming the function, with arguments of its schema, once", () => {
    const forced = { names: ["route"], parameters: params, parallel: true };
    const text = '{"name": "route", "arguments": {"q": "tech"}}';
    const m = ToolCallMachine.of(forced, new Uint8Array(0));
    expect(takes(m, text)).toBe(true);
    expect(m.complete).toBe(true);
    expect(m.clone().push(0x7b)).toBe(false); // one call: the bare format holds no second
    expect(parseHfToolCalls(text, [{ type: "function", function: { name: "route" } }]).toolCalls[0]?.function).toEqual({
      name: "route",
      arguments: '{"q":"tech"}',
    });
    expect(takes(ToolCallMachine.of(forced, new Uint8Array(0)), "Sure")).toBe(false); // no text before the call
    expect(takes(ToolCallMachine.of(forced, new Uint8Array(0)), '{"name":"other"')).toBe(false);
    expect(takes(ToolCallMachine.of(forced, new Uint8Array(0)), '{"name":"route","arguments":{"q":"x"')).toBe(false);
    const partial = ToolCallMachine.of(forced, new Uint8Array(0));
    expect(takes(partial, '{"arguments":{"q":"bill"}')).toBe(true);
    expect(partial.clone().push(0x7d)).toBe(false); // the name is required
  });

  it("the local models' marker, and further calls when parallel", () => {
    const marker = utf8.encode("<|call|>");
    const forced = { names: ["a", "b"], parallel: true };
    const text = '<|call|>{"name":"a","arguments":{"x":[1]}}<|call|>{"name":"b","arguments":{}}';
    const m = ToolCallMachine.of(forced, marker);
    expect(m.complete).toBe(false);
    expect(takes(m, text)).toBe(true);
    expect(m.complete).toBe(true);
    expect(parseToolCalls(text).toolCalls.map((c) => c.function.name)).toEqual(["a", "b"]);
    const single = ToolCallMachine.of({ ...forced, parallel: false }, marker);
    expect(takes(single, '<|call|>{"name":"a","arguments":{}}')).toBe(true);
    expect(single.clone().push(0x3c)).toBe(false);
    expect(takes(ToolCallMachine.of(forced, marker), '<|call|>{"name":"a","arguments":[]}')).toBe(false); // an object
  });
});
