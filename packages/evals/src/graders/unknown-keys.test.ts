import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { closestName } from "../template/closest-name.ts";
import { GraderConfigError, parseGraderConfig } from "./registry.ts";

function issues(json: unknown, at?: string): string[] {
  try {
    parseGraderConfig(json, at);
  } catch (error) {
    expect(error).toBeInstanceOf(GraderConfigError);
    return (error as GraderConfigError).issues;
  }
  throw new Error("expected a GraderConfigError");
}

const message = (content: string) => ({ role: "user", content });

/** Every key OpenAI documents for each grader type (fine-tuning graders, plus the Evals API's testing_criteria keys). */
const OPENAI_SHAPES: Record<string, unknown>[] = [
  { type: "string_check", name: "s", input: "{{sample.output_text}}", reference: "{{item.reference}}", operation: "eq" },
  // fine-tuning shape (no pass_threshold) and Evals shape (with it)
  {
    type: "text_similarity",
    name: "t",
    input: "{{sample.output_text}}",
    reference: "{{item.reference}}",
    evaluation_metric: "fuzzy_match",
  },
  {
    type: "text_similarity",
    name: "t",
    input: "{{sample.output_text}}",
    reference: "{{item.reference}}",
    evaluation_metric: "bleu",
    pass_threshold: 0.5,
  },
  {
    type: "score_model",
    name: "sm",
    model: "gpt-4o-mini",
    input: [
      { type: "message", role: "system", content: { type: "input_text", text: "Score 0 to 1" } },
      message("{{sample.output_text}} vs {{item.reference}}"),
    ],
    range: [0, 1],
    sampling_params: { temperature: 0, top_p: 1, seed: 7, max_completions_tokens: 200, reasoning_effort: "low" },
    pass_threshold: 0.7,
  },
  {
    type: "label_model",
    name: "lm",
    model: "gpt-4o-mini",
    input: [message("Is {{sample.output_text}} polite?")],
    labels: ["polite", "rude"],
    passing_labels: ["polite"],
  },
  { type: "python", name: "py", source: "def grade(sample, item):\n    return 1.0", image_tag: "2025-05-08", pass_threshold: 0.5 },
  {
    type: "multi",
    name: "m",
    graders: {
      a: { type: "string_check", name: "a", input: "{{sample.output_text}}", reference: "{{item.reference}}", operation: "ilike" },
      b: {
        type: "text_similarity",
        name: "b",
        input: "{{sample.output_text}}",
        reference: "{{item.reference}}",
        evaluation_metric: "rouge_l",
      },
    },
    calculate_output: "0.5 * a + 0.5 * b",
  },
];

describe("grader configs refuse unknown keys", () => {
  it("accepts every documented key of OpenAI's grader JSON, and Evals testing_criteria with their id", () => {
    for (const shape of OPENAI_SHAPES) expect(parseGraderConfig(shape), String(shape.type)).toMatchObject({ type: shape.type });
    for (const shape of OPENAI_SHAPES) {
      const parsed = parseGraderConfig(
        { ...shape, id: `${String(shape.name)}-9b876f24-4762-4be9-aff4-db7a9b31c673` },
        "testing_criteria[0]",
      );
      expect(parsed).not.toHaveProperty("id");
    }
  });

  it("accepts the example project's grader file", () => {
    const file = JSON.parse(readFileSync(new URL("../../../../examples/ticket-routing/graders.json", import.meta.url), "utf8")) as {
      graders: unknown[];
    };
    for (const [i, grader] of file.graders.entries()) expect(() => parseGraderConfig(grader, `graders[${i}]`)).not.toThrow();
  });

  it("names a misspelt key and the key it was probably meant to be", () => {
    const similarity = { type: "text_similarity", name: "t", input: "a", reference: "b", evaluation_metric: "fuzzy_match" };
    expect(issues({ ...similarity, pass_treshold: 0.5 })).toEqual(['(root): unknown key "pass_treshold" (did you mean "pass_threshold"?)']);
    expect(issues({ type: "multi", name: "m", calculate_output: "t", graders: { t: { ...similarity, pass_treshold: 0.5 } } })).toEqual([
      'graders.t: unknown key "pass_treshold" (did you mean "pass_threshold"?)',
    ]);
    expect(issues({ ...OPENAI_SHAPES[3], sampling_params: { temprature: 0 } }, "testing_criteria[1]")).toEqual([
      'testing_criteria[1].sampling_params: unknown key "temprature" (did you mean "temperature"?)',
    ]);
  });

  it("lists the known keys when nothing is close (string_check has no pass_threshold)", () => {
    expect(issues({ ...OPENAI_SHAPES[0], pass_treshold: 0.5, colour: "red" })).toEqual([
      '(root): unknown keys "pass_treshold", "colour" (known keys: type, name, input, reference, operation)',
    ]);
    expect(issues({ type: "numeric", name: "n", tolerance: { absolute: 0.1 } })[0]).toMatch(/^tolerance: unknown key "absolute"/);
  });

  it("suggests only near keys", () => {
    expect(closestName("pass_treshold", ["pass_threshold", "name"])).toBe("pass_threshold");
    expect(closestName("Operation", ["operation"])).toBe("operation");
    expect(closestName("refrence", ["reference", "input"])).toBe("reference");
    expect(closestName("colour", ["type", "name", "input", "reference", "operation"])).toBeUndefined();
  });
});
