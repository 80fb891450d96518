import { describe, expect, it } from "vitest";
import { toEvalItem, toSample } from "../item.ts";
import type { Grader } from "./grader.ts";
import { leafGraders } from "./leaf-registry.ts";
import { bindGrader, GRADER_TYPES, type GraderConfig, GraderConfigError, graders, parseGraderConfig, runGrader } from "./registry.ts";
import { gradeSafely } from "./run.ts";

const item = toEvalItem(
  {
    messages: [
      { role: "user", content: "hi" },
      { role: "assistant", content: "hello" },
    ],
  },
  0,
);

function issues(json: unknown): string[] {
  try {
    parseGraderConfig(json);
  } catch (error) {
    expect(error).toBeInstanceOf(GraderConfigError);
    return (error as GraderConfigError).issues;
  }
  throw new Error("expected a GraderConfigError");
}

describe("grader registry", () => {
  it("has a grader for every config type", () => {
    expect([...GRADER_TYPES].sort()).toEqual(
      [
        "custom",
        "json_match",
        "json_schema",
        "json_valid",
        "label_model",
        "length",
        "multi",
        "numeric",
        "python",
        "regex",
        "score_model",
        "string_check",
        "text_similarity",
        "tool_call_match",
      ].sort(),
    );
    for (const type of GRADER_TYPES) expect(graders[type].type).toBe(type);
  });

  it("accepts OpenAI grader JSON unchanged", () => {
    const config = parseGraderConfig({
      type: "multi",
      name: "example multi grader",
      graders: {
        ref: {
          type: "string_check",
          name: "ref",
          input: "{{sample.output_text}}",
          reference: "{{item.reference_answer}}",
          operation: "eq",
        },
        sim: {
          type: "text_similarity",
          name: "sim",
          input: "{{sample.output_text}}",
          reference: "{{item.reference_answer}}",
          evaluation_metric: "fuzzy_match",
          pass_threshold: 0.8,
        },
        py: { type: "python", name: "py", source: "def grade(s, i): return 1.0", image_tag: "2025-05-08" },
        judge: {
          type: "score_model",
          name: "judge",
          model: "gpt-4o-2024-08-06",
          input: [{ role: "user", type: "message", content: { type: "input_text", text: "Score {{sample.output_text}}" } }],
          range: [0, 10],
          sampling_params: { temperature: 1, top_p: 1, seed: 42, max_completions_tokens: 32768, reasoning_effort: "medium" },
        },
        label: {
          type: "label_model",
          name: "label",
          model: "gpt-4o",
          input: [{ role: "user", content: "{{sample.output_text}}" }],
          labels: ["a", "b"],
          passing_labels: ["a"],
        },
      },
      calculate_output: "0.2 * ref + 0.2 * sim + 0.2 * py + 0.2 * judge / 10 + 0.2 * label",
    });
    expect(config.type).toBe("multi");
  });

  it("names the path of every problem", () => {
    expect(issues({ type: "nope", name: "x" })).toEqual([`type: unknown grader type "nope" (expected one of ${GRADER_TYPES.join(", ")})`]);
    expect(issues({ name: "x" })[0]).toMatch(/^type: missing/);
    expect(issues(null)[0]).toMatch(/^type: missing/);
    expect(issues({ type: "string_check", name: "s", input: "a", operation: "contains" })).toEqual([
      "reference: expected string, received undefined",
      'operation: expected one of "eq"|"ne"|"like"|"ilike"',
    ]);
    expect(
      issues({
        type: "multi",
        name: "m",
        calculate_output: "accuracy",
        graders: {
          accuracy: { type: "text_similarity", name: "a", input: "x", reference: "y", evaluation_metric: "bleu", pass_threshold: "high" },
        },
      }),
    ).toEqual(["graders.accuracy.pass_threshold: expected number, received string"]);
    expect(issues({ type: "multi", name: "m", calculate_output: "a", graders: { a: { type: "multi" } } })[0]).toMatch(/^graders\.a\.type/);
  });

  it("says a multi cannot contain a multi, and names an unknown or missing sub-grader type as at the top level", () => {
    const leaves = Object.keys(leafGraders).join(", ");
    const nested = {
      type: "multi",
      name: "b",
      graders: { x: { type: "string_check", name: "x", input: "a", reference: "a", operation: "eq" } },
      calculate_output: "x",
    };
    expect(issues({ type: "multi", name: "m", calculate_output: "a", graders: { a: nested } })).toEqual([
      `graders.a.type: a multi grader cannot contain another multi grader (expected one of ${leaves})`,
    ]);
    expect(issues({ type: "multi", name: "m", calculate_output: "a", graders: { a: { type: "strng_check", name: "a" } } })).toEqual([
      `graders.a.type: unknown grader type "strng_check" (expected one of ${leaves})`,
    ]);
    expect(issues({ type: "multi", name: "m", calculate_output: "a", graders: { a: { name: "a" } } })).toEqual([
      `graders.a.type: missing (expected one of ${leaves})`,
    ]);
  });

  it("prefixes paths when asked", () => {
    expect(() => parseGraderConfig({ type: "regex", name: "r" }, "testing_criteria[2]")).toThrow(
      /testing_criteria\[2\]\.pattern: expected string/,
    );
  });

  it("turns thrown errors into errored grades, never failed ones", async () => {
    const crashing: Grader<{ type: "boom" }> = {
      type: "boom",
      config: undefined as never,
      grade: async () => {
        throw new TypeError("cannot read x of undefined");
      },
    };
    expect(await gradeSafely(crashing, { type: "boom" }, toSample(""), item, {})).toEqual({
      score: 0,
      passed: false,
      error: { type: "other_error", message: "boom grader crashed: TypeError: cannot read x of undefined" },
    });
    const nonFinite: Grader<{ type: "nan" }> = {
      type: "nan",
      config: undefined as never,
      grade: async () => ({ score: Number.NaN, passed: true }),
    };
    expect((await gradeSafely(nonFinite, { type: "nan" }, toSample(""), item, {})).error?.type).toBe("other_error");
  });

  it("binds a config to a context in the runner's {name, grade} shape", async () => {
    const config: GraderConfig = parseGraderConfig({ type: "regex", name: "greets", pattern: "^hel" });
    const bound = bindGrader(config);
    expect(bound.name).toBe("greets");
    expect(await bound.grade(toSample("hello"), item)).toMatchObject({ score: 1, passed: true });
    expect(await runGrader(config, toSample("bye"), item)).toMatchObject({ score: 0, passed: false });
  });
});
