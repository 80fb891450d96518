import type OpenAI from "openai";
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import type { ToolCall } from "../item.ts";
import type { AttemptDeadlines } from "./attempt-deadlines.ts";
import type { RetryPolicy } from "./backoff.ts";
import { retryDelay } from "./backoff.ts";
import { classifyError, MalformedResponseError } from "./classify-error.ts";
import type { Completion } from "./completion.ts";
import { estimateTokens, type RateLimiter } from "./rate-limiter.ts";
import type { SampleError } from "./sample-error.ts";

export interface CompleteContext {
  client: OpenAI;
  /** Each attempt's timeout; aborts the attempt in flight when `signal` aborts. */
  deadlines: AttemptDeadlines;
  retry: RetryPolicy;
  /** The run's signal: when it aborts, `complete` returns `cancelled`. */
  signal: AbortSignal;
  limiter: RateLimiter | undefined;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  random: () => number;
  now: () => number;
  /** Called before each retry with the failed attempt's error and the wait chosen. */
  onRetry?: (error: SampleError, delayMs: number) => void;
  /**
   * After a failed attempt: the body to send instead at once (the model refused one of its parameters, see
   * ParameterFallbacks), or undefined. Such an attempt does not count toward the retry policy's attempts.
   */
  adapt?: (thrown: unknown, body: ChatCompletionCreateParamsNonStreaming) => ChatCompletionCreateParamsNonStreaming | undefined;
}

export type CompleteOutcome =
  /** `body`: what was sent last (the given body, or the one `adapt` chose). */
  | { kind: "ok"; completion: Completion; attempts: number; body: ChatCompletionCreateParamsNonStreaming }
  | { kind: "error"; error: SampleError; attempts: number }
  | { kind: "cancelled"; attempts: number };

/**
 * One chat completion with the runner's retry loop. The SDK is called with `maxRetries: 0` so that retries,
 * backoff, Retry-After and timeouts are decided here, once, for every provider.
 */
export async function complete(first: ChatCompletionCreateParamsNonStreaming, context: CompleteContext): Promise<CompleteOutcome> {
  const { signal, retry } = context;
  let body = first;
  const estimate = context.limiter ? estimateTokens(body) : 0;
  for (let attempt = 1; ; attempt++) {
    if (context.limiter) await context.sleep(context.limiter.reserve(estimate), signal);
    if (signal.aborted) return { kind: "cancelled", attempts: attempt - 1 };
    const deadline = context.deadlines.start();
    try {
      const response = await context.client.chat.completions.create(body, { maxRetries: 0, signal: deadline.signal });
      const completion = toCompletion(response);
      context.limiter?.settle(estimate, completion.usage.total_tokens);
      return { kind: "ok", completion, attempts: attempt, body };
    } catch (thrown) {
      context.limiter?.settle(estimate, 0);
      if (signal.aborted) return { kind: "cancelled", attempts: attempt };
      const instead = context.adapt?.(thrown, body);
      if (instead && instead !== body) {
        body = instead;
        attempt--; // the same attempt again, without what the model refused
        continue;
      }
      const failure = classifyError(thrown, deadline.timedOut(), context.now());
      if (!failure.retryable || attempt >= retry.maxAttempts) return { kind: "error", error: failure.error, attempts: attempt };
      const delay = retryDelay(attempt, failure.retryAfterMs, retry, context.random);
      context.onRetry?.(failure.error, delay);
      await context.sleep(delay, signal);
    } finally {
      deadline.end();
    }
  }
}

function toCompletion(response: ChatCompletion): Completion {
  const choice = response.choices?.[0];
  if (!choice?.message) throw new MalformedResponseError("response has no choices[0].message");
  const tools: ToolCall[] = [];
  for (const call of choice.message.tool_calls ?? []) {
    if (call.type === "function")
      tools.push({ id: call.id, type: "function", function: { name: call.function.name, arguments: call.function.arguments } });
  }
  const usage = response.usage;
  const reasoning = reasoningOf(choice.message);
  return {
    output_text: choice.message.content ?? "",
    ...(tools.length > 0 ? { output_tools: tools } : {}),
    ...(reasoning ? { output_reasoning: reasoning } : {}),
    finish_reason: choice.finish_reason ?? null,
    usage: {
      prompt_tokens: usage?.prompt_tokens ?? 0,
      completion_tokens: usage?.completion_tokens ?? 0,
      total_tokens: usage?.total_tokens ?? 0,
      cached_tokens: usage?.prompt_tokens_details?.cached_tokens ?? 0,
    },
  };
}

/** The reasoning beside a message's answer, under either name providers give it (not in the SDK's types). */
function reasoningOf(message: object): string | undefined {
  const { reasoning_content: content, reasoning } = message as { reasoning_content?: unknown; reasoning?: unknown };
  if (typeof content === "string" && content !== "") return content;
  if (typeof reasoning === "string" && reasoning !== "") return reasoning;
  return undefined;
}

/**
 * Loads fetch's classes (`Headers`, `Request`, `Response`), which Node loads on their first use by compiling its bundled
 * undici (tens of milliseconds): the runner calls it in a turn of the event loop of its own before the first request,
 * which would otherwise do it. True when they are there.
 */
export function loadFetchClasses(): boolean {
  return typeof globalThis.Headers === "function";
}
