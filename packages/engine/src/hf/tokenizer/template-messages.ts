import { TunelabError } from "@tunelab/base";
import type { ChatInputMessage } from "./chat-message.schema.ts";

/** A message in the shape Hugging Face chat templates read. */
export type TemplateMessage = Record<string, unknown> & { role: string; content: string };

/**
 * Turns OpenAI messages into what Hugging Face chat templates expect:
 * - content is always a string: a list of text parts is joined, null (an assistant turn that only calls tools)
 *   becomes "" (Qwen3's template tests `'</think>' in message.content`, which fails on none);
 * - `tool_calls[].function.arguments`, a JSON string in OpenAI's format, becomes the parsed object, as the
 *   Transformers maintainers specify and vLLM does: Qwen2.5's and Llama 3.1's templates write it with `| tojson`
 *   (a string would come out quoted twice); Qwen3's accepts both. Arguments that are not JSON stay a string;
 * - `developer` is `system`; the legacy `function` role and `function_call` are a tool message and a tool call;
 * - keys templates do not know (`weight`, `refusal`) are left out, and so is `tool_calls` when empty (Llama 3.1's
 *   template tests `'tool_calls' in message`).
 */
export function toTemplateMessages(messages: readonly ChatInputMessage[]): TemplateMessage[] {
  return messages.map((message, index) => toTemplateMessage(message, index));
}

function toTemplateMessage(message: ChatInputMessage, index: number): TemplateMessage {
  const role = message.role === "developer" ? "system" : message.role === "function" ? "tool" : message.role;
  const out: TemplateMessage = { role, content: contentText(message, index) };
  if (message.name !== undefined) out.name = message.name;
  if (message.tool_call_id !== undefined) out.tool_call_id = message.tool_call_id;
  const calls = message.tool_calls ?? (message.function_call ? [{ type: "function" as const, function: message.function_call }] : []);
  if (calls.length > 0) {
    out.tool_calls = calls.map((call) => ({
      ...(call.id === undefined ? {} : { id: call.id }),
      type: "function",
      function: { name: call.function.name, arguments: parseArguments(call.function.arguments) },
    }));
  }
  return out;
}

function contentText(message: ChatInputMessage, index: number): string {
  const content = message.content;
  if (content === undefined || content === null) return "";
  if (typeof content === "string") return content;
  return content
    .map((part, partIndex) => {
      if (part.type === "text" && typeof part.text === "string") return part.text;
      throw new TunelabError(
        "invalid_argument",
        `messages[${index}].content[${partIndex}] is a ${JSON.stringify(part.type)} part; this model reads text parts only`,
      );
    })
    .join("");
}

function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
