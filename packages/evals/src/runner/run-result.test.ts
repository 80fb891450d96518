import { describe, expect, it } from "vitest";
import { erroredGrade } from "../grade.ts";
import type { ItemRecord } from "./item-record.ts";
import { summarizeRecords } from "./run-result.ts";
import { ZERO_USAGE } from "./usage.ts";

const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, cached_tokens: 2 };
const record = (id: string, patch: Partial<ItemRecord>): ItemRecord => ({
  item_id: id,
  tags: [],
  status: "passed",
  sample: { output_text: "x" },
  grades: { a: { score: 1, passed: true } },
  model: "m1",
  usage,
  cached: false,
  attempts: 1,
  finish_reason: "stop",
  latency_ms: 1,
  ...patch,
});

describe("summarizeRecords", () => {
  it("counts items, criteria and provider usage per model", () => {
    const summary = summarizeRecords(
      [
        record("1", {}),
        record("2", { status: "failed", grades: { a: { score: 0, passed: false } }, model: "m2" }),
        record("3", {
          status: "errored",
          sample: null,
          usage: ZERO_USAGE,
          attempts: 6,
          grades: { a: erroredGrade("other_error", "no sample") },
        }),
        record("4", { cached: true, attempts: 0 }),
      ],
      ["a", "b"],
    );
    expect(summary.result_counts).toEqual({ total: 4, passed: 2, failed: 1, errored: 1 });
    expect(summary.per_testing_criteria_results).toEqual([
      { testing_criteria: "a", passed: 2, failed: 1, errored: 1 },
      { testing_criteria: "b", passed: 0, failed: 0, errored: 0 },
    ]);
    expect(summary.per_model_usage).toEqual([
      { model_name: "m1", invocation_count: 1, ...usage },
      { model_name: "m2", invocation_count: 1, ...usage },
    ]);
    expect(summary.cache_hits).toBe(1);
  });
});
