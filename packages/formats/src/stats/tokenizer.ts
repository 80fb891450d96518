import { createRequire } from "node:module";
import { z } from "zod";
import type { ChatMessage, Tool } from "../format/chat.schema.ts";

/** OpenAI's tokenizers: o200k_base (gpt-4o, gpt-4.1 families) and cl100k_base (gpt-3.5, gpt-4). */
export const Encoding = z.enum(["o200k_base", "cl100k_base"]);
export type Encoding = z.infer<typeof Encoding>;

/** Each encoding's tables take ~40 MB: load one only when something first counts tokens with it. */
const require = createRequire(import.meta.url);
const loaded = new Map<Encoding, (text: string) => number>();
function counter(encoding: Encoding): (text: string) => number {
  let count = loaded.get(encoding);
  if (!count) {
    const module = require(`gpt-tokenizer/cjs/encoding/${encoding}`) as { countTokens: (text: string) => number };
    count = (text) => module.countTokens(text);
    loaded.set(encoding, count);
  }
  return count;
}

export interface MessageTokens {
  total: number;
  assistant: number;
}

/**
 * Counts tokens as OpenAI's cookbook does for chat: 3 per message, 1 per name, 3 to prime the reply,
 * plus tool definitions and tool calls as their JSON text. Image parts are not counted.
 */
export function countChatTokens(
  messages: ReadonlyArray<ChatMessage>,
  tools: ReadonlyArray<Tool> | undefined,
  encoding: Encoding,
): MessageTokens {
  const count = counter(encoding);
  let total = 3;
  let assistant = 0;
  for (const message of messages) {
    let own = count(message.role);
    if (typeof message.content === "string") own += count(message.content);
    else if (Array.isArray(message.content)) {
      for (const part of message.content) if (part.type === "text") own += count(part.text);
    }
    if (message.name !== undefined) own += count(message.name) + 1;
    if (message.tool_calls) own += count(JSON.stringify(message.tool_calls));
    if (message.function_call) own += count(JSON.stringify(message.function_call));
    total += 3 + own;
    if (message.role === "assistant" && message.weight !== 0) assistant += own - count(message.role);
  }
  if (tools && tools.length > 0) total += count(JSON.stringify(tools));
  return { total, assistant };
}
