// A custom grader: partial credit when the priority is one level off. Register it with
//   tunelab graders add examples/ticket-routing/priority-grader.ts
import { defineGrader } from "@tunelab/evals";
import { z } from "zod";

const LEVELS = ["low", "normal", "high", "urgent"];

export default defineGrader({
  name: "priority_distance",
  version: "1",
  description: "1 for the right priority, 0.5 when one level off, else 0",
  configSchema: z.object({}).default({}),
  grade(sample, item) {
    const said = LEVELS.indexOf(String((sample.output_json as { priority?: unknown } | undefined)?.priority));
    const expected = LEVELS.indexOf(String((item.reference_json as { priority?: unknown } | undefined)?.priority));
    if (expected < 0) return { score: 0, passed: false, reason: "the item has no reference priority" };
    if (said < 0) return { score: 0, passed: false, reason: "no priority in the output" };
    const distance = Math.abs(said - expected);
    return {
      score: distance === 0 ? 1 : distance === 1 ? 0.5 : 0,
      passed: distance === 0,
      reason: `${LEVELS[said]} vs ${LEVELS[expected]}`,
    };
  },
});
