import { describe, expect, it } from "vitest";
import { codeGraders } from "./code-graders.ts";
import { parseGraderConfig } from "./registry.ts";

describe("codeGraders", () => {
  it("finds python and custom graders, also inside multi, and nothing else", () => {
    const configs = [
      { type: "string_check", name: "exact", input: "{{sample.output_text}}", reference: "{{item.reference}}", operation: "eq" },
      { type: "python", name: "py", source: "def grade(s, i): return 1" },
      { type: "custom", name: "mine", path: "graders/mine.ts" },
      {
        type: "multi",
        name: "combo",
        calculate_output: "a + b",
        graders: {
          a: { type: "python", name: "a", source: "def grade(s, i): return 1" },
          b: { type: "string_check", name: "b", input: "x", reference: "x", operation: "eq" },
        },
      },
    ].map((json) => parseGraderConfig(json));
    expect(codeGraders(configs)).toEqual([
      { name: "py", type: "python" },
      { name: "mine", type: "custom" },
      { name: "combo.graders.a", type: "python" },
    ]);
    expect(codeGraders([configs[0] as (typeof configs)[number]])).toEqual([]);
  });
});
