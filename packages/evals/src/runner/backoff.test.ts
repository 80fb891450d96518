import { describe, expect, it } from "vitest";
import { backoffDelay, DEFAULT_RETRY_POLICY, retryDelay } from "./backoff.ts";

describe("backoff", () => {
  const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };

  it("draws uniformly below an exponentially growing, capped ceiling (full jitter)", () => {
    expect([1, 2, 3, 4, 5].map((retry) => backoffDelay(retry, policy, () => 0.999999))).toEqual(
      [100, 200, 400, 800, 1000].map((ceiling) => ceiling * 0.999999),
    );
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(200);
  });

  it("uses the server's Retry-After exactly, capped at maxRetryAfterMs", () => {
    expect(retryDelay(1, 1234, policy, () => 0)).toBe(1234);
    expect(retryDelay(1, 10 * 60_000, policy, () => 0)).toBe(policy.maxRetryAfterMs);
    expect(retryDelay(2, undefined, policy, () => 0.5)).toBe(100);
  });
});
