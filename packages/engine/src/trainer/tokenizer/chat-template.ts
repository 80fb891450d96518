/**
 * The chat template: messages (+ tools) → tokens and a loss mask.
 *
 *   <|bos|> [<|tools|> tools-JSON <|end|>]
 *   <|system|> text <|end|>   <|user|> text <|end|>   <|tool|> text <|end|>
 *   <|assistant|> text [<|call|> {"name":…,"arguments":…}]* <|end|>
 *
 * Loss falls on assistant text, its serialised tool calls and its <|end|> (the answer and when to
 * stop), never on the <|assistant|> marker or other roles, and not on assistant messages with
 * `weight: 0`. Tool calls are part of the assistant text, so function-calling data trains too.
 */
import type { ChatExample } from "../types.ts";
import { BOS, CALL, END, specialId } from "./special.ts";
import type { Tokenizer } from "./tokenizer.ts";

type Message = ChatExample["messages"][number];

export interface Encoded {
  tokens: Int32Array;
  /** 1 where the token is to be predicted (it is a loss-bearing assistant token). */
  lossMask: Uint8Array;
}

const ROLE_TOKEN: Record<string, number> = {
  system: specialId("<|system|>"),
  developer: specialId("<|system|>"),
  user: specialId("<|user|>"),
  assistant: specialId("<|assistant|>"),
  tool: specialId("<|tool|>"),
  function: specialId("<|tool|>"),
};

/** Text of a message's content: a string, or the text parts of an array of content parts. */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content.map((p) => (p && typeof p === "object" && "text" in p && typeof p.text === "string" ? p.text : "")).join("");
  }
  return "";
}

/** The serialised form of one tool call inside assistant text (after a <|call|> token). */
export function serializeToolCall(call: unknown): string {
  const fn = (call as { function?: { name?: unknown; arguments?: unknown } } | null)?.function ?? {};
  let args: unknown = fn.arguments ?? {};
  if (typeof args === "string") {
    try {
      args = JSON.parse(args);
    } catch {
      // keep the string as is
    }
  }
  return JSON.stringify({ name: fn.name ?? "", arguments: args });
}

function push(out: number[], mask: number[], ids: number[], loss: boolean): void {
  for (const id of ids) {
    out.push(id);
    mask.push(loss ? 1 : 0);
  }
}

function encodeMessage(tok: Tokenizer, m: Message, out: number[], mask: number[], train: boolean): void {
  const role = ROLE_TOKEN[m.role];
  if (role === undefined) throw new Error(`unsupported role "${m.role}"`);
  push(out, mask, [role], false);
  const loss = train && m.role === "assistant" && m.weight !== 0;
  push(out, mask, tok.encode(contentText(m.content)), loss);
  if (m.role === "assistant") {
    for (const call of m.tool_calls ?? []) {
      push(out, mask, [CALL], loss);
      push(out, mask, tok.encode(serializeToolCall(call)), loss);
    }
  }
  push(out, mask, [END], loss);
}

function prefix(tok: Tokenizer, tools: unknown[] | undefined, out: number[], mask: number[]): void {
  push(out, mask, [BOS], false);
  if (tools && tools.length > 0) {
    push(out, mask, [specialId("<|tools|>")], false);
    push(out, mask, tok.encode(JSON.stringify(tools)), false);
    push(out, mask, [END], false);
  }
}

/** A training example → tokens + loss mask. */
export function encodeExample(tok: Tokenizer, example: ChatExample): Encoded {
  const out: number[] = [];
  const mask: number[] = [];
  prefix(tok, example.tools, out, mask);
  for (const m of example.messages) encodeMessage(tok, m, out, mask, true);
  return { tokens: Int32Array.from(out), lossMask: Uint8Array.from(mask) };
}

/** A prompt: the conversation so far, then <|assistant|> for the model to continue. */
export function encodePrompt(tok: Tokenizer, messages: ChatExample["messages"], tools?: unknown[]): number[] {
  const out: number[] = [];
  const mask: number[] = [];
  prefix(tok, tools, out, mask);
  for (const m of messages) encodeMessage(tok, m, out, mask, false);
  out.push(specialId("<|assistant|>"));
  return out;
}

/** All text of an example, for learning the tokenizer. */
export function* exampleTexts(example: ChatExample): Generator<string> {
  if (example.tools && example.tools.length > 0) yield JSON.stringify(example.tools);
  for (const m of example.messages) {
    yield contentText(m.content);
    for (const call of m.tool_calls ?? []) yield serializeToolCall(call);
  }
}
