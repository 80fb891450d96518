import { describe, expect, it } from "vitest";
import { hostedTrainingFile } from "./hosted-file.ts";

const messages = [
  { role: "user", content: "Hi" },
  { role: "assistant", content: "Hello" },
];

describe("hostedTrainingFile", () => {
  it("keeps only the documented keys of supervised and preference lines", () => {
    const sft = JSON.stringify({ messages, metadata: { row: 1 }, tools: [], tags: ["a"] });
    const dpo = JSON.stringify({
      input: { messages, note: "x" },
      preferred_output: [messages[1]],
      non_preferred_output: [{ role: "assistant", content: "No" }],
    });
    const out = hostedTrainingFile(Buffer.from(`${sft}\n${dpo}\n`))
      .toString("utf8")
      .split("\n");
    expect(JSON.parse(out[0] ?? "")).toEqual({ messages, tools: [] });
    expect(JSON.parse(out[1] ?? "")).toEqual({
      input: { messages },
      preferred_output: [messages[1]],
      non_preferred_output: [{ role: "assistant", content: "No" }],
    });
    expect(out[2]).toBe("");
  });

  it("sends a file with nothing to drop byte for byte", () => {
    const file = Buffer.from(`${JSON.stringify({ messages, parallel_tool_calls: false })}\r\n{not json}\n`);
    expect(hostedTrainingFile(file)).toBe(file);
  });
});
