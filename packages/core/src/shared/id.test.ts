// Ids made in a tight loop (many in one millisecond) sort in the order they were made, so lists ordered by
// created_at then id keep creation order; they stay unique, prefixed and of one length.
import { describe, expect, it } from "vitest";
import { newId } from "./id.ts";

describe("newId", () => {
  it("sorts in creation order, even for thousands made in the same millisecond", () => {
    const ids = Array.from({ length: 5_000 }, () => newId("exp"));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("keeps the prefix and a fixed length", () => {
    const id = newId("dsv");
    expect(id).toMatch(/^dsv_[0-9a-z]{9}[0-9a-f]{12}$/);
  });
});
