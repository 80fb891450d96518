import { describe, expect, it } from "vitest";
import { retryAfterMs } from "./retry-after.ts";

const headers = (entries: Record<string, string>) => new Headers(entries);

describe("retryAfterMs", () => {
  it("prefers retry-after-ms, then retry-after seconds, then an HTTP date", () => {
    expect(retryAfterMs(headers({ "retry-after-ms": "250", "retry-after": "9" }), 0)).toBe(250);
    expect(retryAfterMs(headers({ "retry-after": "2" }), 0)).toBe(2000);
    expect(retryAfterMs(headers({ "retry-after": "0.5" }), 0)).toBe(500);
    const now = Date.parse("2025-01-01T00:00:00Z");
    expect(retryAfterMs(headers({ "retry-after": "Wed, 01 Jan 2025 00:00:03 GMT" }), now)).toBe(3000);
    expect(retryAfterMs(headers({ "retry-after": "Wed, 01 Jan 2025 00:00:00 GMT" }), now + 5000)).toBe(0);
  });

  it("reads a plain header record as the SDK's errors carry it", () => {
    expect(retryAfterMs({ "retry-after": "3" }, 0)).toBe(3000);
    expect(retryAfterMs({ "retry-after-ms": "40" }, 0)).toBe(40);
  });

  it("is undefined without a usable header", () => {
    expect(retryAfterMs(undefined, 0)).toBeUndefined();
    expect(retryAfterMs(headers({}), 0)).toBeUndefined();
    expect(retryAfterMs(headers({ "retry-after": "soon" }), 0)).toBeUndefined();
    expect(retryAfterMs({}, 0)).toBeUndefined();
  });
});
