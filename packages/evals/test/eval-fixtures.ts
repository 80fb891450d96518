// Small items and graders for runner tests and benchmarks.
import type { Grade } from "../src/grade.ts";
import { type EvalItem, type Sample, toEvalItem } from "../src/item.ts";
import type { RunnerGrader } from "../src/runner/grade-sample.ts";

/** An item whose prompt is `prompt` and whose reference answer is `reference`. */
export function chatItem(id: string, prompt: string, reference: string, tags: string[] = []): EvalItem {
  return toEvalItem(
    {
      id,
      tags,
      messages: [
        { role: "user", content: prompt },
        { role: "assistant", content: reference },
      ],
    },
    0,
  );
}

/**
 * `n` items `p0 … p{n-1}`. The fake server echoes the prompt, so an item passes exact match when its reference is
 * its prompt: `passes(i)` decides which (default: even i).
 */
export function echoItems(n: number, passes: (i: number) => boolean = (i) => i % 2 === 0): EvalItem[] {
  return Array.from({ length: n }, (_, i) =>
    chatItem(`item-${i}`, `p${i}`, passes(i) ? `p${i}` : `not p${i}`, [i % 3 === 0 ? "three" : "other"]),
  );
}

export const exactMatch: RunnerGrader = {
  name: "exact",
  grade: async (sample: Sample, item: EvalItem): Promise<Grade> => {
    const passed = sample.output_text === item.reference;
    return { score: passed ? 1 : 0, passed };
  },
};

/** Passes when the output is non-empty: with exact match, separates "failed" from "passed" per grader. */
export const nonEmpty: RunnerGrader = {
  name: "non_empty",
  grade: async (sample: Sample): Promise<Grade> => ({ score: sample.output_text ? 1 : 0, passed: sample.output_text !== "" }),
};
