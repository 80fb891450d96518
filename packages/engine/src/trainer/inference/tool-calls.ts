/**
 * Tool calls in generated text: the model writes them after the assistant's content as
 * `<|call|>{"name":"f","arguments":{…}}` (see tokenizer/chat-template.ts); this turns them back
 * into OpenAI's `tool_calls`.
 */
import type { ToolCall } from "../types.ts";

export const CALL_MARKER = "<|call|>";

/** Splits assistant text into content and tool calls. Unparseable call text stays in the content. */
export function parseToolCalls(text: string): { content: string | null; toolCalls: ToolCall[] } {
  const parts = text.split(CALL_MARKER);
  const head = parts[0] ?? "";
  if (parts.length === 1) return { content: text, toolCalls: [] };
  const toolCalls: ToolCall[] = [];
  const leftovers: string[] = [];
  parts.slice(1).forEach((raw, i) => {
    try {
      const parsed = JSON.parse(raw.trim()) as { name?: unknown; arguments?: unknown };
      if (typeof parsed.name !== "string" || parsed.name === "") throw new Error("no name");
      const args = typeof parsed.arguments === "string" ? parsed.arguments : JSON.stringify(parsed.arguments ?? {});
      toolCalls.push({ id: `call_${hash(`${i}:${raw}`)}`, type: "function", function: { name: parsed.name, arguments: args } });
    } catch {
      leftovers.push(CALL_MARKER + raw);
    }
  });
  const content = head + leftovers.join("");
  return { content: content === "" ? null : content, toolCalls };
}

/** Short deterministic id (FNV-1a, hex). */
function hash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0") + s.length.toString(16);
}
