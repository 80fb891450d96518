// The engine's OpenAI-style ids keep their shape (prefix, 24 letters and digits) and sort in the order they were made,
// even thousands in one millisecond, so lists ordered by created_at (seconds) then id keep creation order.
import { describe, expect, it } from "vitest";
import { openaiId } from "./ids.ts";

describe("openaiId", () => {
  it("has OpenAI's shape", () => {
    expect(openaiId("ftjob")).toMatch(/^ftjob-[A-Za-z0-9]{24}$/);
    expect(openaiId("file")).toMatch(/^file-[A-Za-z0-9]{24}$/);
  });

  it("sorts in creation order, in one millisecond too, and never repeats", () => {
    const ids = Array.from({ length: 5_000 }, () => openaiId("ftjob"));
    // binary order, as SQLite compares text
    expect([...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
