import { backoffDelay } from "@tunelab/base";

/** How the runner retries a completion (backoff from @tunelab/base). */
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

/** The wait before retry `retry`: the server's Retry-After when given (capped), else jittered backoff. */
export function retryDelay(retry: number, serverDelayMs: number | undefined, policy: RetryPolicy, random: () => number): number {
  if (serverDelayMs !== undefined) return Math.min(serverDelayMs, policy.maxRetryAfterMs);
  return backoffDelay(retry, policy, random);
}
