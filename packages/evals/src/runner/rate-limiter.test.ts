import { describe, expect, it } from "vitest";
import { estimateTokens, RateLimiter, TokenBucket } from "./rate-limiter.ts";

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe("TokenBucket", () => {
  it("allows one second's burst, then spaces requests at the per-minute rate", () => {
    const c = clock();
    const bucket = new TokenBucket(120, c.now); // 2 per second, burst 2
    expect([bucket.reserve(1), bucket.reserve(1), bucket.reserve(1), bucket.reserve(1)]).toEqual([0, 0, 500, 1000]);
    c.advance(1000);
    expect(bucket.reserve(1)).toBe(500);
  });

  it("lets a cost larger than the burst through once the bucket is full, then charges the debt", () => {
    const c = clock();
    const bucket = new TokenBucket(600, c.now); // 10 tokens per second
    expect(bucket.reserve(50)).toBe(0);
    expect(bucket.reserve(10)).toBe(5000); // level -40 → needs 10 → 50 tokens at 10/s
  });

  it("refunds unused tokens", () => {
    const c = clock();
    const bucket = new TokenBucket(600, c.now);
    expect(bucket.reserve(10)).toBe(0);
    bucket.refund(10);
    expect(bucket.reserve(10)).toBe(0);
  });
});

describe("RateLimiter", () => {
  it("waits for the later of the request and token limits", () => {
    const c = clock();
    const limiter = new RateLimiter({ requestsPerMinute: 6000, tokensPerMinute: 600 }, c.now);
    expect(limiter.reserve(10)).toBe(0);
    expect(limiter.reserve(10)).toBe(1000);
  });

  it("is a no-op without limits", () => {
    const limiter = new RateLimiter({}, () => 0);
    expect(limiter.reserve(1e9)).toBe(0);
  });

  it("books prompt characters / 4 plus the completion budget", () => {
    expect(estimateTokens({ messages: [{ role: "user", content: "hello" }], max_completion_tokens: 100 })).toBe(
      Math.ceil(JSON.stringify([{ role: "user", content: "hello" }]).length / 4) + 100,
    );
  });
});
