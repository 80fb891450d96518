/** How the runner retries a completion. */
export interface RetryPolicy {
  /** Attempts per item including the first (default 6). */
  maxAttempts: number;
  /** Backoff before retry k (1-based) is drawn uniformly from [0, min(maxDelayMs, baseDelayMs · 2^(k-1))] (full jitter). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A server's Retry-After is honoured exactly, up to this cap. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 120_000 };

/** Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"). */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return random() * ceiling;
}

/**
 * Milliseconds a response asks the client to wait: `retry-after-ms` (OpenAI), else `retry-after` in seconds or as
 * an HTTP date. `undefined` when neither header is present or parses.
 */
export function retryAfterMs(headers: Headers | undefined, now: number): number | undefined {
  const milliseconds = Number.parseFloat(headers?.get("retry-after-ms") ?? "");
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  const value = headers?.get("retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number.parseFloat(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The wait before retry `retry`: the server's Retry-After when given (capped), else jittered backoff. */
export function retryDelay(retry: number, serverDelayMs: number | undefined, policy: RetryPolicy, random: () => number): number {
  if (serverDelayMs !== undefined) return Math.min(serverDelayMs, policy.maxRetryAfterMs);
  return backoffDelay(retry, policy, random);
}
