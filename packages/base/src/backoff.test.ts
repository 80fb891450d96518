import { describe, expect, it } from "vitest";
import { abortableDelay, backoffDelay } from "./backoff.ts";

describe("backoffDelay", () => {
  const policy = { baseDelayMs: 100, maxDelayMs: 1000 };
  it("draws below a ceiling that doubles per retry and is capped", () => {
    expect([1, 2, 3, 4, 5, 6].map((k) => backoffDelay(k, policy, () => 0.999999))).toEqual(
      [100, 200, 400, 800, 1000, 1000].map((c) => c * 0.999999),
    );
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(200);
  });
});

describe("abortableDelay", () => {
  it("resolves after the wait, and rejects with the reason when aborted before or during it", async () => {
    await expect(abortableDelay(1)).resolves.toBeUndefined();
    const before = new AbortController();
    before.abort(new Error("stopped"));
    await expect(abortableDelay(10_000, before.signal)).rejects.toThrow("stopped");
    const during = new AbortController();
    const waiting = abortableDelay(10_000, during.signal);
    during.abort(new Error("later"));
    await expect(waiting).rejects.toThrow("later");
  });
});
