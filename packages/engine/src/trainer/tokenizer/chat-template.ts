/**
 * The chat template: messages (+ tools) → tokens and a loss mask.
 *
 *   <|bos|> [<|tools|> tools-JSON <|end|>]
 *   <|system|> text <|end|>   <|user|> text <|end|>   <|tool|> text <|end|>
 *   <|assistant|> text [<|call|> {"name":…,"arguments":…}]* <|end|>
 *
 * The loss falls on assistant text, its serialised tool calls and its <|end|> (the answer and when to
 * stop), not on assistant messages with `weight: 0`. Every other token (tools, system, user and tool
 * messages, role markers) is a prompt token: the trainer may give it a small auxiliary loss
 * (`promptLossWeight`), never counted in the reported loss or accuracy. Tool calls are part of the
 * assistant text, so function-calling data trains too.
 */
import type { ChatExample } from "../types.ts";
import { BOS, CALL, END, specialId } from "./special.ts";
import type { Tokenizer } from "./tokenizer.ts";

type Message = ChatExample["messages"][number];

export interface Encoded {
  tokens: Int32Array;
  /** 1 where the token is to be predicted (it is a loss-bearing assistant token). */
  lossMask: Uint8Array;
  /** 1 where the token is a prompt token (not assistant output; not in a `weight: 0` message). */
  promptMask: Uint8Array;
}

/** Per-token role in the loss: 0 none, 1 assistant (trained), 2 prompt. */
type Kind = 0 | 1 | 2;

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

function push(out: number[], kinds: Kind[], ids: number[], kind: Kind): void {
  for (const id of ids) {
    out.push(id);
    kinds.push(kind);
  }
}

function encodeMessage(tok: Tokenizer, m: Message, out: number[], kinds: Kind[]): void {
  const role = ROLE_TOKEN[m.role];
  if (role === undefined) throw new Error(`unsupported role "${m.role}"`);
  push(out, kinds, [role], 2);
  const kind: Kind = m.role !== "assistant" ? 2 : m.weight === 0 ? 0 : 1;
  push(out, kinds, tok.encode(contentText(m.content)), kind);
  if (m.role === "assistant") {
    for (const call of m.tool_calls ?? []) {
      push(out, kinds, [CALL], kind);
      push(out, kinds, tok.encode(serializeToolCall(call)), kind);
    }
  }
  push(out, kinds, [END], kind);
}

function prefix(tok: Tokenizer, tools: unknown[] | undefined, out: number[], kinds: Kind[]): void {
  push(out, kinds, [BOS], 0);
  if (tools && tools.length > 0) {
    push(out, kinds, [specialId("<|tools|>")], 2);
    push(out, kinds, tok.encode(JSON.stringify(tools)), 2);
    push(out, kinds, [END], 2);
  }
}

/** A training example → tokens + loss mask. */
export function encodeExample(tok: Tokenizer, example: ChatExample): Encoded {
  const out: number[] = [];
  const kinds: Kind[] = [];
  prefix(tok, example.tools, out, kinds);
  for (const m of example.messages) encodeMessage(tok, m, out, kinds);
  return {
    tokens: Int32Array.from(out),
    lossMask: Uint8Array.from(kinds, (k) => (k === 1 ? 1 : 0)),
    promptMask: Uint8Array.from(kinds, (k) => (k === 2 ? 1 : 0)),
  };
}

/** A prompt: the conversation so far, then <|assistant|> for the model to continue. */
export function encodePrompt(tok: Tokenizer, messages: ChatExample["messages"], tools?: unknown[]): number[] {
  const out: number[] = [];
  const kinds: Kind[] = [];
  prefix(tok, tools, out, kinds);
  for (const m of messages) encodeMessage(tok, m, out, kinds);
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
