import { describe, expect, it } from "vitest";
import { backoffDelay, DEFAULT_RETRY_POLICY, retryAfterMs, retryDelay } from "./backoff.ts";

const headers = (entries: Record<string, string>) => new Headers(entries);

describe("retryAfterMs", () => {
  it("prefers retry-after-ms, then retry-after seconds, then an HTTP date", () => {
    expect(retryAfterMs(headers({ "retry-after-ms": "250", "retry-after": "9" }), 0)).toBe(250);
    expect(retryAfterMs(headers({ "retry-after": "2" }), 0)).toBe(2000);
    expect(retryAfterMs(headers({ "retry-after": "0.5" }), 0)).toBe(500);
    const now = Date.parse("2025-01-01T00:00:00Z");
    expect(retryAfterMs(headers({ "retry-after": "Wed, 01 Jan 2025 00:00:03 GMT" }), now)).toBe(3000);
  });

  it("is undefined without a usable header", () => {
    expect(retryAfterMs(undefined, 0)).toBeUndefined();
    expect(retryAfterMs(headers({}), 0)).toBeUndefined();
    expect(retryAfterMs(headers({ "retry-after": "soon" }), 0)).toBeUndefined();
  });
});

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
