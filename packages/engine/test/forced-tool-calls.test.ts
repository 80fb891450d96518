/**
 * OpenAI's `tool_choice: "required"` and a named function through the official SDK: the answer is tool calls (of the
 * named function, with arguments of its schema), even from models with random weights that would otherwise write
 * text. Through the SDK on a local-* model (`<|call|>` format: the open-weight fixtures' 256-token context cannot hold
 * a prompt with tools); the open-weight format (a bare JSON call) in tool-call-machine.test.ts.
 */
import type OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineWithClient } from "./engine-client.ts";

let ctx: Awaited<ReturnType<typeof engineWithClient>>;
let client: OpenAI;
beforeAll(async () => {
  ctx = await engineWithClient({ runJobs: false });
  client = ctx.client;
});
afterAll(async () => ctx?.dispose());

const messages = [{ role: "user" as const, content: "Route it." }];
const tools: OpenAI.Chat.ChatCompletionTool[] = [
  {
    type: "function",
    function: {
      name: "route",
      parameters: {
        type: "object",
        properties: { q: { type: "string", enum: ["bill", "tech"] }, u: { type: "boolean" } },
        required: ["q", "u"],
        additionalProperties: false,
      },
    },
  },
  { type: "function", function: { name: "up", parameters: { type: "object" } } },
];
const MODELS = ["local-tiny", "local-small"];

describe("tool_choice forces a tool call", () => {
  it.each(MODELS)("%s: a named function is called, with arguments of its schema", async (model) => {
    const answer = await client.chat.completions.create({
      model,
      messages,
      tools,
      tool_choice: { type: "function", function: { name: "route" } },
      temperature: 1,
      seed: 5,
      n: 3,
      max_tokens: 200,
    });
    for (const choice of answer.choices) {
      expect(choice.finish_reason).toBe("tool_calls");
      expect(choice.message.content).toBeNull();
      const calls = choice.message.tool_calls ?? [];
      expect(calls.length).toBeGreaterThan(0);
      for (const call of calls) {
        if (call.type !== "function") throw new Error("a function call was expected");
        expect(call.function.name).toBe("route");
        const args = JSON.parse(call.function.arguments) as Record<string, unknown>;
        expect(Object.keys(args).sort()).toEqual(["q", "u"]);
        expect(["bill", "tech"]).toContain(args.q);
        expect(typeof args.u).toBe("boolean");
      }
    }
  });

  it.each(MODELS)('%s: "required" calls the tool, with arguments of its schema', async (model) => {
    const answer = await client.chat.completions.create({
      model,
      messages,
      tools: tools.slice(0, 1),
      tool_choice: "required",
      parallel_tool_calls: false,
      temperature: 0,
      // a random model's greedy pick is whitespace wherever it may go (at most 20 bytes a run)
      max_tokens: 600,
    });
    const choice = answer.choices[0];
    expect(choice?.finish_reason).toBe("tool_calls");
    const calls = choice?.message.tool_calls ?? [];
    expect(calls).toHaveLength(1);
    const call = calls[0];
    if (call?.type !== "function") throw new Error("a function call was expected");
    expect(call.function.name).toBe("route");
    expect(Object.keys(JSON.parse(call.function.arguments) as object).sort()).toEqual(["q", "u"]);
  });
});
