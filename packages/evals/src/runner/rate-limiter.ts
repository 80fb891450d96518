/** Optional client-side limits, as providers state them. */
export interface RateLimits {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
}

/**
 * A token bucket refilled at `perMinute / 60_000` per ms holding at most one second's worth (providers enforce
 * per-minute limits over shorter windows). `reserve(cost)` books `cost` at once (the level may go negative, so
 * later callers wait for earlier bookings) and returns how long the caller must wait before sending.
 */
export class TokenBucket {
  private level: number;
  private last: number;
  private readonly rate: number;
  private readonly capacity: number;

  constructor(
    perMinute: number,
    private readonly now: () => number,
  ) {
    this.rate = perMinute / 60_000;
    this.capacity = Math.max(1, perMinute / 60);
    this.level = this.capacity;
    this.last = now();
  }

  reserve(cost: number): number {
    this.refill();
    const needed = Math.min(cost, this.capacity);
    const wait = this.level >= needed ? 0 : (needed - this.level) / this.rate;
    this.level -= cost;
    return wait;
  }

  /** Gives back (or charges) the difference between a booked and the actual cost. */
  refund(amount: number): void {
    this.refill();
    this.level = Math.min(this.capacity, this.level + amount);
  }

  private refill(): void {
    const now = this.now();
    this.level = Math.min(this.capacity, this.level + (now - this.last) * this.rate);
    this.last = now;
  }
}

/** Requests-per-minute and tokens-per-minute buckets; a request waits for the later of the two. */
export class RateLimiter {
  private readonly requests: TokenBucket | undefined;
  private readonly tokens: TokenBucket | undefined;

  constructor(limits: RateLimits, now: () => number) {
    this.requests = limits.requestsPerMinute ? new TokenBucket(limits.requestsPerMinute, now) : undefined;
    this.tokens = limits.tokensPerMinute ? new TokenBucket(limits.tokensPerMinute, now) : undefined;
  }

  /** Books one request of an estimated `tokens` and returns the wait in ms. */
  reserve(tokens: number): number {
    return Math.max(this.requests?.reserve(1) ?? 0, this.tokens?.reserve(tokens) ?? 0);
  }

  /** Corrects the token booking once the real usage is known (`actual` 0 for a failed request). */
  settle(estimated: number, actual: number): void {
    this.tokens?.refund(estimated - actual);
  }
}

/** Tokens booked for a request before it runs: prompt characters / 4 plus the completion budget. */
export function estimateTokens(body: { messages: unknown; max_tokens?: number | null; max_completion_tokens?: number | null }): number {
  return Math.ceil(JSON.stringify(body.messages).length / 4) + (body.max_completion_tokens ?? body.max_tokens ?? 0);
}
