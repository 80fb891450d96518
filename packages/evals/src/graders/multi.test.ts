import { describe, expect, it } from "vitest";
import { toEvalItem, toSample } from "../item.ts";
import { parseGraderConfig, runGrader } from "./registry.ts";

const item = toEvalItem(
  {
    messages: [
      { role: "user", content: "Route" },
      { role: "assistant", content: '{"category":"billing","priority":2}' },
    ],
  },
  0,
);
const graders = {
  exact: {
    type: "string_check",
    name: "exact",
    input: "{{sample.output_json.category}}",
    reference: "{{item.reference_json.category}}",
    operation: "eq",
  },
  fields: { type: "json_match", name: "fields" },
  short: { type: "length", name: "short", max: 40 },
};
const multi = (calculate_output: string, extra: Record<string, unknown> = {}) =>
  parseGraderConfig({ type: "multi", name: "combined", graders, calculate_output, ...extra });

describe("multi", () => {
  it("combines sub-grader scores with the formula and reports them as sub-scores", async () => {
    const grade = await runGrader(multi("0.5 * exact + 0.3 * fields + 0.2 * short"), toSample('{"category":"billing","priority":3}'), item);
    expect(grade.score).toBeCloseTo(0.5 * 1 + 0.3 * 0.5 + 0.2 * 1, 12);
    expect(grade.subScores).toEqual({ exact: 1, fields: 0.5, short: 1 });
    expect(grade.passed).toBe(false);
    expect(grade.reason).toContain("fields=0.5 (1/2 fields match");
  });

  it("passes when every sub-grader passed, or at pass_threshold when given", async () => {
    const perfect = toSample('{"category":"billing","priority":2}');
    expect(await runGrader(multi("min(exact, fields) ^ 2"), perfect, item)).toMatchObject({ score: 1, passed: true });
    const partial = toSample('{"category":"billing","priority":3}');
    expect(await runGrader(multi("(exact + fields) / 2", { pass_threshold: 0.75 }), partial, item)).toMatchObject({
      score: 0.75,
      passed: true,
    });
  });

  it("is errored with the sub-grader's error type when one errors", async () => {
    const grade = await runGrader(multi("exact + fields"), toSample("not json"), item);
    expect(grade.error?.type).toBe("sample_parse_error");
    expect(grade.error?.message).toMatch(/^graders\.exact: /);
    expect(grade.subScores).toEqual({ exact: 0, fields: 0, short: 1 });
    expect(grade.passed).toBe(false);
  });

  it("rejects bad formulas and unknown names at config time, naming the path", () => {
    expect(() => multi("exact +")).toThrow(/calculate_output: unexpected end/);
    expect(() => multi("exact + fluency")).toThrow(/calculate_output: formula uses "fluency", which is not in graders/);
    expect(() => multi("exact", { graders: {} })).toThrow(/graders: needs at least one grader/);
  });

  it("turns a formula error at grading time into formula_parse_error", async () => {
    const config = multi("exact");
    if (config.type !== "multi") throw new Error("unreachable");
    const grade = await runGrader({ ...config, calculate_output: "exact ** 2" }, toSample('{"category":"billing"}'), item);
    expect(grade.error?.type).toBe("formula_parse_error");
    const nan = await runGrader({ ...config, calculate_output: "log(exact - 1)" }, toSample('{"category":"x"}'), item);
    expect(nan.error).toMatchObject({ type: "other_error", message: expect.stringContaining("gave NaN") });
  });
});
