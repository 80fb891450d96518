import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY_POLICY, retryDelay } from "./backoff.ts";

describe("backoff", () => {
  const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };

  it("uses the server's Retry-After exactly, capped at maxRetryAfterMs", () => {
    expect(retryDelay(1, 1234, policy, () => 0)).toBe(1234);
    expect(retryDelay(1, 10 * 60_000, policy, () => 0)).toBe(policy.maxRetryAfterMs);
    expect(retryDelay(2, undefined, policy, () => 0.5)).toBe(100);
  });
});
