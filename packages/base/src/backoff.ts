/** How long waits grow between attempts: from `baseDelayMs`, doubling, never above `maxDelayMs`. */
export interface BackoffPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * The wait before retry `retry` (1-based): exponential backoff with full jitter, drawn uniformly from
 * [0, min(maxDelayMs, baseDelayMs · 2^(retry-1))] (AWS architecture blog, "Exponential Backoff And Jitter").
 * The eval runner's completions and the polling of a provider's fine-tuning job use it.
 */
export function backoffDelay(retry: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return random() * ceiling;
}

/** Waits `ms`; rejects with the signal's reason as soon as it aborts (also when it already has). */
export function abortableDelay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
