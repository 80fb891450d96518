/**
 * Tool calls written by open-weight chat models, turned into OpenAI `tool_calls`. Two conventions
 * cover the supported families: Hermes/Qwen (`<tool_call>{"name": …, "arguments": {…}}</tool_call>`,
 * one block per call) and Llama 3.x (a bare JSON object `{"name": …, "parameters": {…}}`, optionally
 * after `<|python_tag|>`). Text that is not a well-formed call stays content.
 */
import { createHash } from "node:crypto";
import type { ToolCall } from "../../trainer/types.ts";

const BLOCK = /<tool_call>\s*([\s\S]*?)\s*<\/tool_call>/g;

function asCall(json: string, index: number, toolNames: ReadonlySet<string>): ToolCall | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { name, arguments: args, parameters } = value as Record<string, unknown>;
  if (typeof name !== "string" || (toolNames.size > 0 && !toolNames.has(name))) return undefined;
  const body = args ?? parameters ?? {};
  const argumentsText = typeof body === "string" ? body : JSON.stringify(body);
  const id = `call_${createHash("sha256").update(`${index}:${name}:${argumentsText}`).digest("hex").slice(0, 24)}`;
  return { id, type: "function", function: { name, arguments: argumentsText } };
}

export function parseHfToolCalls(text: string, tools: unknown[] | undefined): { content: string; toolCalls: ToolCall[] } {
  if (!tools || tools.length === 0) return { content: text, toolCalls: [] };
  const names = new Set<string>();
  for (const t of tools) {
    const name = (t as { function?: { name?: unknown } }).function?.name;
    if (typeof name === "string") names.add(name);
  }
  const calls: ToolCall[] = [];
  if (text.includes("<tool_call>")) {
    const content = text.replace(BLOCK, (whole, json: string) => {
      const call = asCall(json, calls.length, names);
      if (!call) return whole;
      calls.push(call);
      return "";
    });
    return { content: content.trim(), toolCalls: calls };
  }
  const bare = text.replace(/^<\|python_tag\|>/, "").trim();
  if (bare.startsWith("{")) {
    const call = asCall(bare, 0, names);
    if (call) return { content: "", toolCalls: [call] };
  }
  return { content: text, toolCalls: [] };
}
