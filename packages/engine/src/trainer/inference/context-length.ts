/** A prompt that leaves no room to answer in the model's context (OpenAI: 400 `context_length_exceeded`). */
export class ContextLengthExceededError extends Error {
  override readonly name = "ContextLengthExceededError";
  constructor(
    readonly promptTokens: number,
    readonly contextLength: number,
  ) {
    super(
      `This model's maximum context length is ${contextLength} tokens. However, your messages resulted in ${promptTokens} tokens. Please reduce the length of the messages.`,
    );
  }
}

/** Throws when the prompt leaves no room for one generated token; else the completion budget that fits. */
export function completionBudget(promptTokens: number, contextLength: number, maxTokens: number): number {
  if (promptTokens >= contextLength) throw new ContextLengthExceededError(promptTokens, contextLength);
  return Math.min(maxTokens, contextLength - promptTokens);
}
