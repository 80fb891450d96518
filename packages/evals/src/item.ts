import { z } from "zod";

/** A tool call as OpenAI returns it. */
export const ToolCall = z.object({
  id: z.string().optional(),
  type: z.literal("function").default("function"),
  function: z.object({ name: z.string(), arguments: z.string() }),
});
export type ToolCall = z.infer<typeof ToolCall>;

export const InputMessage = z.looseObject({
  role: z.string(),
  content: z.unknown().optional(),
  tool_calls: z.array(ToolCall).optional(),
});
export type InputMessage = z.infer<typeof InputMessage>;

/**
 * What graders see of a test item: `{{item.*}}`. `input` holds the prompt (messages before the last assistant
 * message, with tools); `reference*` come from that assistant message; every other key of the JSONL line is kept.
 */
export const EvalItem = z.looseObject({
  /** Stable id: position in the test split ("1", "2", …) unless the line has an `id`. */
  id: z.string(),
  input: z.object({ messages: z.array(InputMessage), tools: z.array(z.unknown()).optional() }),
  reference: z.string().optional(),
  reference_json: z.unknown().optional(),
  reference_tools: z.array(ToolCall).optional(),
  tags: z.array(z.string()),
});
export type EvalItem = z.infer<typeof EvalItem>;

/** The model's answer to one item: `{{sample.*}}`. */
export interface Sample {
  output_text: string;
  /** The output parsed as JSON, when it parses. */
  output_json?: unknown;
  output_tools?: ToolCall[];
}

/** Builds an item from one test-split JSONL line (chat or RFT shape). `position` is 0-based. */
export function toEvalItem(line: Record<string, unknown>, position: number): EvalItem {
  const { messages: rawMessages, tools, id, tags, metadata, ...rest } = line;
  const messages = (Array.isArray(rawMessages) ? rawMessages : []) as InputMessage[];
  const last = messages.findLastIndex((m) => m.role === "assistant");
  const input = { messages: last >= 0 ? messages.slice(0, last) : messages, ...(Array.isArray(tools) ? { tools } : {}) };
  const item: EvalItem = {
    ...rest,
    id: typeof id === "string" || typeof id === "number" ? String(id) : String(position + 1),
    input,
    tags: tagsOf(tags, metadata),
  };
  if (metadata !== undefined) item.metadata = metadata;
  const answer = last >= 0 ? messages[last] : undefined;
  if (answer) {
    item.reference = textOf(answer.content);
    const parsed = parseJson(item.reference);
    if (parsed !== undefined) item.reference_json = parsed;
    if (answer.tool_calls) item.reference_tools = answer.tool_calls;
  }
  return item;
}

/** A sample from the model's text and tool calls; `output_json` is set when the text parses as JSON. */
export function toSample(outputText: string, outputTools?: ToolCall[]): Sample {
  const sample: Sample = { output_text: outputText };
  const parsed = parseJson(outputText);
  if (parsed !== undefined) sample.output_json = parsed;
  if (outputTools && outputTools.length > 0) sample.output_tools = outputTools;
  return sample;
}

/**
 * An answer as people read it (sample views, comparisons, reports): its text, then each tool call on a line of its own
 * as `name(arguments)`, so that a tool-calling answer is not shown empty and diffs against a reference written the same way.
 */
export function shownAnswer(text: string, calls: readonly ToolCall[] | undefined): string {
  const lines = (calls ?? []).map((call) => `${call.function.name}(${call.function.arguments})`);
  return text === "" ? lines.join("\n") : [text, ...lines].join("\n");
}

export function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (part && typeof part === "object" && "text" in part && typeof part.text === "string" ? part.text : ""))
      .join("");
  }
  return "";
}

function parseJson(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === "" || !/^[[{"\d-]|^(true|false|null)$/.test(trimmed)) return undefined;
  try {
    return JSON.parse(trimmed);
  } catch {
    return undefined;
  }
}

function tagsOf(tags: unknown, metadata: unknown): string[] {
  const source = Array.isArray(tags)
    ? tags
    : metadata && typeof metadata === "object" && Array.isArray((metadata as { tags?: unknown }).tags)
      ? (metadata as { tags: unknown[] }).tags
      : [];
  return source.map(String);
}
