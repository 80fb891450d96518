import { isDecodedImage, isImageUrlPart } from "../vision/parts.ts";

/** A prompt that leaves no room to answer in the model's context (OpenAI: 400 `context_length_exceeded`). */
export class ContextLengthExceededError extends Error {
  override readonly name = "ContextLengthExceededError";
  constructor(
    readonly promptTokens: number,
    readonly contextLength: number,
    /** The prompt was not tokenised: `promptTokens` is a lower bound from its size. */
    readonly atLeast = false,
  ) {
    super(
      `This model's maximum context length is ${contextLength} tokens. However, your messages resulted in ${atLeast ? "at least " : ""}${promptTokens} tokens. Please reduce the length of the messages.`,
    );
  }
}

/** Image parts count as their image span once encoded, not as the bytes of their pixels or URL. */
const isImage = (part: unknown) => isDecodedImage(part) || isImageUrlPart(part);

/** UTF-8 bytes of the text a prompt carries (contents, names, tool calls, tools). */
export function promptBytes(messages: ReadonlyArray<Record<string, unknown>>, tools: unknown[] | undefined): number {
  let n = tools ? Buffer.byteLength(JSON.stringify(tools)) : 0;
  for (const m of messages) {
    const c = m.content;
    if (typeof c === "string") n += Buffer.byteLength(c);
    else if (Array.isArray(c)) for (const part of c) if (!isImage(part)) n += Buffer.byteLength(JSON.stringify(part));
    if (m.tool_calls) n += Buffer.byteLength(JSON.stringify(m.tool_calls));
  }
  return n;
}

/**
 * Refuses, before tokenising, a prompt that cannot fit: a token covers at most `maxTokenBytes`
 * bytes, so the prompt has at least bytes / maxTokenBytes tokens. Tokenising a huge prompt only to
 * refuse it would take seconds and gigabytes.
 */
export function refuseOversizedPrompt(bytes: number, maxTokenBytes: number, contextLength: number): void {
  const atLeast = Math.ceil(bytes / Math.max(1, maxTokenBytes));
  if (atLeast >= contextLength) throw new ContextLengthExceededError(atLeast, contextLength, true);
}

/** Throws when the prompt leaves no room for one generated token; else the completion budget that fits. */
export function completionBudget(promptTokens: number, contextLength: number, maxTokens: number): number {
  if (promptTokens >= contextLength) throw new ContextLengthExceededError(promptTokens, contextLength);
  return Math.min(maxTokens, contextLength - promptTokens);
}
