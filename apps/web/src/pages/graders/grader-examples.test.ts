// Every starting config of the "try it" box is a valid grader config (numeric's example once gave `tolerance: 0.01`,
// which the grader refuses: it takes {abs, rel}).
import { parseGraderConfig } from "@tunelab/evals";
import { describe, expect, it } from "vitest";
import { EXAMPLES } from "./grader-examples.ts";

describe("the graders page's examples", () => {
  it.each(Object.entries(EXAMPLES))("%s parses as a grader config of that type", (type, example) => {
    expect(parseGraderConfig(example).type).toBe(type);
  });
});
