import { describe, expect, it } from "vitest";
import { type ToolCall, toEvalItem, toSample } from "../item.ts";
import { parseGraderConfig, runGrader } from "./registry.ts";

const call = (name: string, args: string): ToolCall => ({ type: "function", function: { name, arguments: args } });
const item = toEvalItem(
  {
    messages: [
      { role: "user", content: "Refund 12 EUR and email Ann" },
      {
        role: "assistant",
        content: null,
        tool_calls: [call("refund", '{"amount": 12, "currency": "EUR"}'), call("email", '{"to":"ann"}')],
      },
    ],
  },
  0,
);
const grade = (config: Record<string, unknown>, tools: ToolCall[], on = item) =>
  runGrader(parseGraderConfig({ type: "tool_call_match", name: "t", ...config }), toSample("", tools), on);

describe("tool_call_match", () => {
  it("matches names and JSON arguments regardless of key order, spacing and call order", async () => {
    const result = await grade({}, [call("email", '{ "to": "ann" }'), call("refund", '{"currency":"EUR","amount":12}')]);
    expect(result).toMatchObject({ score: 1, passed: true, subScores: { name: 1, arguments: 1 } });
  });
  it("scores matched calls over max(expected, produced): wrong arguments and extra calls cost", async () => {
    const wrongArgs = await grade({}, [call("refund", '{"amount":13,"currency":"EUR"}'), call("email", '{"to":"ann"}')]);
    expect(wrongArgs).toMatchObject({ score: 0.5, passed: false, subScores: { name: 1, arguments: 0.5 } });
    expect(wrongArgs.reason).toContain('refund: arguments {"amount":13,"currency":"EUR"} != {"amount":12,"currency":"EUR"}');
    const extra = await grade({}, [call("refund", '{"amount":12,"currency":"EUR"}'), call("email", '{"to":"ann"}'), call("log", "{}")]);
    expect(extra.score).toBeCloseTo(2 / 3, 12);
    expect(extra.reason).toContain("unexpected call log");
    const missing = await grade({}, [call("refund", '{"amount":12,"currency":"EUR"}')]);
    expect(missing).toMatchObject({ score: 0.5 });
    expect(missing.reason).toContain("missing call email");
  });
  it("compares only names when asked, and order when asked", async () => {
    const swapped = [call("email", "{}"), call("refund", "{}")];
    expect(await grade({ compare: "name" }, swapped)).toMatchObject({ score: 1, passed: true });
    expect(await grade({ compare: "name", ordered: true }, swapped)).toMatchObject({ score: 0 });
  });
  it("treats unparseable arguments as a mismatch, not an error", async () => {
    const result = await grade({}, [call("refund", "{amount: 12"), call("email", '{"to":"ann"}')]);
    expect(result).toMatchObject({ score: 0.5, passed: false });
    expect(result.reason).toContain("refund: arguments are not JSON");
  });
  it("applies argument comparison options", async () => {
    const tools = [call("refund", '{"amount":12.004,"currency":"eur"}'), call("email", '{"to":"Ann"}')];
    expect(await grade({}, tools)).toMatchObject({ score: 0 });
    expect(await grade({ case_insensitive: true, numeric_tolerance: 0.01 }, tools)).toMatchObject({ score: 1 });
  });
  it("expects no tool calls when the item has no reference tool calls", async () => {
    const textItem = toEvalItem(
      {
        messages: [
          { role: "user", content: "hi" },
          { role: "assistant", content: "hello" },
        ],
      },
      0,
    );
    expect(await grade({}, [], textItem)).toMatchObject({ score: 1, passed: true });
    expect(await grade({}, [call("refund", "{}")], textItem)).toMatchObject({ score: 0, passed: false });
  });
  it("reads an explicit reference from the item (OpenAI or bare {name, arguments} shape)", async () => {
    const custom = toEvalItem({ messages: [{ role: "user", content: "x" }], expected_call: { name: "lookup", arguments: { id: 7 } } }, 0);
    expect(await grade({ reference: "{{item.expected_call}}" }, [call("lookup", '{"id":7}')], custom)).toMatchObject({ score: 1 });
    const missingVar = await grade({ reference: "{{item.nope}}" }, [], custom);
    expect(missingVar.error?.type).toBe("invalid_variable_error");
  });
});
