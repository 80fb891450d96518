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
import type { DecodedImage } from "../vision/decode.ts";
import { isDecodedImage, isImageUrlPart } from "../vision/parts.ts";
import { type ImageTokenIds, patchesOf, type VisionSpec } from "../vision/spec.ts";
import { BOS, CALL, END, specialId } from "./special.ts";
import type { Tokenizer } from "./tokenizer.ts";

type Message = ChatExample["messages"][number];

export interface Encoded {
  tokens: Int32Array;
  /** 1 where the token is to be predicted (it is a loss-bearing assistant token). */
  lossMask: Uint8Array;
  /** 1 where the token is a prompt token (not assistant output; not in a `weight: 0` message). */
  promptMask: Uint8Array;
  /** Images in order, each at the index of its first <|patch|> token. */
  images?: ImageAt[];
}

export interface ImageAt {
  at: number;
  image: DecodedImage;
}

/** How a vision model encodes images; absent for text-only models, which refuse them. */
export interface VisionEncoding {
  spec: VisionSpec;
  tokens: ImageTokenIds;
}

/** Where encoding writes: tokens, their kinds, and the images met. */
interface Sink {
  out: number[];
  kinds: Kind[];
  images: ImageAt[];
  vision: VisionEncoding | undefined;
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

function push(sink: Sink, ids: number[], kind: Kind): void {
  for (const id of ids) {
    sink.out.push(id);
    sink.kinds.push(kind);
  }
}

function pushImage(sink: Sink, image: DecodedImage, kind: Kind): void {
  if (!sink.vision) throw new Error("this model was trained on text only; it cannot read images");
  const { spec, tokens } = sink.vision;
  push(sink, [tokens.start], kind);
  sink.images.push({ at: sink.out.length, image });
  push(sink, new Array<number>(patchesOf(spec, image.side)).fill(tokens.patch), kind);
  push(sink, [tokens.end], kind);
}

/** A message's content: its text as one piece, or text runs and image spans in order when it has images. */
function pushContent(tok: Tokenizer, sink: Sink, content: unknown, kind: Kind): void {
  if (!Array.isArray(content) || !content.some((p) => isDecodedImage(p) || isImageUrlPart(p))) {
    push(sink, tok.encode(contentText(content)), kind);
    return;
  }
  let text: unknown[] = [];
  for (const part of content) {
    if (isImageUrlPart(part)) throw new Error("image_url parts must be decoded (vision/decode.ts) before encoding");
    if (!isDecodedImage(part)) {
      text.push(part);
      continue;
    }
    if (text.length > 0) push(sink, tok.encode(contentText(text)), kind);
    text = [];
    pushImage(sink, part, kind === 1 ? 0 : kind);
  }
  if (text.length > 0) push(sink, tok.encode(contentText(text)), kind);
}

function encodeMessage(tok: Tokenizer, m: Message, sink: Sink): void {
  const role = ROLE_TOKEN[m.role];
  if (role === undefined) throw new Error(`unsupported role "${m.role}"`);
  push(sink, [role], 2);
  const kind: Kind = m.role !== "assistant" ? 2 : m.weight === 0 ? 0 : 1;
  pushContent(tok, sink, m.content, kind);
  if (m.role === "assistant") {
    for (const call of m.tool_calls ?? []) {
      push(sink, [CALL], kind);
      push(sink, tok.encode(serializeToolCall(call)), kind);
    }
  }
  push(sink, [END], kind);
}

function prefix(tok: Tokenizer, tools: unknown[] | undefined, sink: Sink): void {
  push(sink, [BOS], 0);
  if (tools && tools.length > 0) {
    push(sink, [specialId("<|tools|>")], 2);
    push(sink, tok.encode(JSON.stringify(tools)), 2);
    push(sink, [END], 2);
  }
}

/** A training example → tokens + loss mask (+ its images, for a vision model). */
export function encodeExample(tok: Tokenizer, example: ChatExample, vision?: VisionEncoding): Encoded {
  const sink: Sink = { out: [], kinds: [], images: [], vision };
  prefix(tok, example.tools, sink);
  for (const m of example.messages) encodeMessage(tok, m, sink);
  return {
    tokens: Int32Array.from(sink.out),
    lossMask: Uint8Array.from(sink.kinds, (k) => (k === 1 ? 1 : 0)),
    promptMask: Uint8Array.from(sink.kinds, (k) => (k === 2 ? 1 : 0)),
    ...(sink.images.length > 0 ? { images: sink.images } : {}),
  };
}

/** A prompt with its images: the conversation so far, then <|assistant|> for the model to continue. */
export function encodePromptWithImages(
  tok: Tokenizer,
  messages: ChatExample["messages"],
  tools?: unknown[],
  vision?: VisionEncoding,
): { tokens: number[]; images: ImageAt[] } {
  const sink: Sink = { out: [], kinds: [], images: [], vision };
  prefix(tok, tools, sink);
  for (const m of messages) encodeMessage(tok, m, sink);
  sink.out.push(specialId("<|assistant|>"));
  return { tokens: sink.out, images: sink.images };
}

/** A prompt: the conversation so far, then <|assistant|> for the model to continue. */
export function encodePrompt(tok: Tokenizer, messages: ChatExample["messages"], tools?: unknown[], vision?: VisionEncoding): number[] {
  return encodePromptWithImages(tok, messages, tools, vision).tokens;
}

/** All text of an example, for learning the tokenizer. */
export function* exampleTexts(example: ChatExample): Generator<string> {
  if (example.tools && example.tools.length > 0) yield JSON.stringify(example.tools);
  for (const m of example.messages) {
    yield contentText(m.content);
    for (const call of m.tool_calls ?? []) yield serializeToolCall(call);
  }
}
