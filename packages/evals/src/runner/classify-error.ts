import { retryAfterMs } from "@tunelab/base";
import { APIConnectionError, APIConnectionTimeoutError, APIError } from "openai";
import type { SampleError } from "./sample-error.ts";

/** A 200 response without a usable completion. */
export class MalformedResponseError extends Error {
  override readonly name = "MalformedResponseError";
}

export interface ClassifiedError {
  error: SampleError;
  retryable: boolean;
  /** The server's Retry-After, when it sent one. */
  retryAfterMs?: number;
}

/**
 * Sorts a failed attempt: 429, 408, 409, 5xx, timeouts, connection errors and malformed bodies are retried;
 * other 4xx (400, 401, 403, 404, 422) and unknown errors are not. `timedOut` is the runner's own timer.
 */
export function classifyError(thrown: unknown, timedOut: boolean, now: number): ClassifiedError {
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  if (timedOut || thrown instanceof APIConnectionTimeoutError) {
    return { error: { type: "timeout", message: timedOut ? "request timed out" : message }, retryable: true };
  }
  if (thrown instanceof APIConnectionError) return { error: { type: "connection_error", message }, retryable: true };
  if (thrown instanceof APIError && typeof thrown.status === "number") {
    const status = thrown.status;
    const serverDelay = retryAfterMs(thrown.headers, now);
    const delay = serverDelay === undefined ? {} : { retryAfterMs: serverDelay };
    if (status === 429) return { error: { type: "rate_limited", message, status }, retryable: true, ...delay };
    if (status >= 500) return { error: { type: "server_error", message, status }, retryable: true, ...delay };
    return { error: { type: "http_error", message, status }, retryable: status === 408 || status === 409, ...delay };
  }
  if (thrown instanceof SyntaxError || thrown instanceof MalformedResponseError) {
    return { error: { type: "malformed_response", message }, retryable: true };
  }
  return { error: { type: "other_error", message }, retryable: false };
}
