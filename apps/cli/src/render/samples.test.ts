import { stripVTControlCharacters as strip } from "node:util";
import { describe, expect, it } from "vitest";
import { renderSample } from "./samples.ts";

describe("renderSample", () => {
  it("writes the output's tool calls, the reasoning, and each failed grader's reason under the item's line", () => {
    const text = strip(
      renderSample(
        {
          itemId: "7",
          trial: 0,
          position: 6,
          status: "failed",
          output: 'get_weather({"city":"Oslo"})',
          outputTools: [{ id: "c", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } }],
          reasoning: "The user wants weather.\nCall the tool.",
          error: null,
          grades: { tool: { score: 0, passed: false, reason: "argument city: expected Paris" }, shape: { score: 1, passed: true } },
          tags: ["weather"],
          prompt: "Weather in Paris?",
          reference: 'get_weather({"city":"Paris"})',
          referenceTools: null,
        },
        1,
        0,
      ),
    );
    expect(text.split("\n")).toEqual([
      "item 7 · failed · tool 0.00 · shape 1.00 · weather",
      "  input      Weather in Paris?",
      '  output     get_weather({"city":"Oslo"})',
      '  reference  get_weather({"city":"Paris"})',
      "  reasoning  The user wants weather.",
      "             Call the tool.",
      "  tool       argument city: expected Paris",
    ]);
  });

  it("clips a long field, saying how long it is", () => {
    const long = "x".repeat(1000);
    const text = strip(
      renderSample(
        {
          itemId: "1",
          trial: 0,
          position: 0,
          status: "passed",
          output: long,
          outputTools: null,
          reasoning: null,
          error: null,
          grades: {},
          tags: [],
          prompt: "p",
          reference: null,
          referenceTools: null,
        },
        1,
        400,
      ),
    );
    expect(text).toContain(`  output     ${"x".repeat(399)}… (1000 characters; --full)`);
  });
});
