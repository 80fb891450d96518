import type { ChatMessage, Tool } from "./format/chat.schema.ts";
import type { DatasetFormat } from "./format/format.ts";
import type { PerExampleCounts } from "./stats/dataset-stats.ts";

/** One valid line of a dataset file, with its identity. */
export interface DatasetExample {
  /** 1-based line number in the source file. */
  line: number;
  value: Record<string, unknown>;
  /** Canonical JSON of the line (sorted keys). */
  canonical: string;
  /** sha256 of `canonical`. */
  hash: string;
  /** sha256 of the canonical input (the prompt side), for splits and leakage checks. */
  inputHash: string;
  /** Messages, tokens and images, for statistics. */
  counts: PerExampleCounts;
}

export interface ExampleInput {
  messages: ChatMessage[];
  tools?: Tool[];
}

/** The prompt side of an example: the messages before the last assistant message (with tools), DPO's `input`, or RFT's messages. */
export function exampleInput(value: Record<string, unknown>, format: DatasetFormat): ExampleInput {
  if (format === "preference") {
    const input = value.input as { messages: ChatMessage[]; tools?: Tool[] };
    return withTools(input.messages, input.tools);
  }
  const messages = (value.messages ?? []) as ChatMessage[];
  const lastAssistant = messages.findLastIndex((m) => m.role === "assistant");
  const before = lastAssistant >= 0 ? messages.slice(0, lastAssistant) : messages;
  return withTools(before, value.tools as Tool[] | undefined);
}

function withTools(messages: ChatMessage[], tools: Tool[] | undefined): ExampleInput {
  return tools === undefined ? { messages } : { messages, tools };
}

/** Plain text of the user-visible input, for near-duplicate detection (system prompts are shared, so left out). */
export function inputText(input: ExampleInput): string {
  const parts: string[] = [];
  for (const message of input.messages) {
    if (message.role === "system" || message.role === "developer") continue;
    if (typeof message.content === "string") parts.push(message.content);
    else if (Array.isArray(message.content)) {
      for (const part of message.content) if (part.type === "text") parts.push(part.text);
    }
  }
  return parts.join("\n");
}
