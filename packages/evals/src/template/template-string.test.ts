import { describe, expect, it } from "vitest";
import { GraderConfigError, parseGraderConfig } from "../graders/registry.ts";
import { SAMPLE_FIELDS } from "./sample-fields.ts";
import { sampleVariableProblems } from "./template-string.ts";

function issues(json: unknown): string[] {
  try {
    parseGraderConfig(json);
  } catch (error) {
    expect(error).toBeInstanceOf(GraderConfigError);
    return (error as GraderConfigError).issues;
  }
  throw new Error("expected a GraderConfigError");
}

const KNOWN = "a sample has sample.output_text, sample.output_json, sample.output_tools, sample.choices";
const similarity = { type: "text_similarity", name: "t", reference: "{{item.reference}}", evaluation_metric: "fuzzy_match" };

describe("{{sample.*}} variables are checked when a grader config is parsed", () => {
  it("refuses an unknown sample field, naming the grader field, the variable and the fields a sample has", () => {
    expect(issues({ ...similarity, input: "{{sample.output_txt}}" })).toEqual([
      `input: {{sample.output_txt}} is not a sample field (did you mean {{sample.output_text}}?); ${KNOWN}`,
    ]);
    expect(
      issues({
        type: "multi",
        name: "m",
        calculate_output: "t",
        graders: { t: { ...similarity, input: "{{ sample.output_text }}", reference: "Expected: {{sample.message.content}}" } },
      }),
    ).toEqual([`graders.t.reference: {{sample.message.content}} is not a sample field; ${KNOWN}`]);
  });

  it("checks the messages of model graders: string content, text parts and image URLs", () => {
    const grader = (content: unknown) => ({
      type: "score_model",
      name: "s",
      model: "m",
      input: [
        { role: "system", content: "Grade it." },
        { role: "user", content },
      ],
    });
    expect(issues(grader("Answer: {{sample.output_jsno.category}}"))).toEqual([
      `input[1].content: {{sample.output_jsno.category}} is not a sample field (did you mean {{sample.output_json}}?); ${KNOWN}`,
    ]);
    expect(issues(grader([{ type: "input_text", text: "{{sample.text}}" }]))[0]).toMatch(
      /^input\[1\]\.content\[0\]\.text: \{\{sample\.text\}\}/,
    );
    expect(issues(grader(["ok {{sample.output_text}}", "{{sample.txt}}"]))[0]).toMatch(/^input\[1\]\.content\[1\]: \{\{sample\.txt\}\}/);
    expect(issues(grader({ type: "input_image", image_url: "{{sample.url}}" }))[0]).toMatch(
      /^input\[1\]\.content\.image_url: \{\{sample\.url\}\}/,
    );
  });

  it("accepts every sample field, paths into them, the whole sample and any item variable", () => {
    expect(SAMPLE_FIELDS).toEqual(["output_text", "output_json", "output_tools", "choices"]);
    const template =
      "{{sample.output_text}} {{sample.output_json.category}} {{sample.output_tools[0].function.name}} {{ sample }} {{item.anything.at[0]}} {{sample.choices[0].message.content}}";
    expect(sampleVariableProblems(template)).toEqual([]);
    expect(parseGraderConfig({ ...similarity, input: template })).toMatchObject({ input: template });
    expect(parseGraderConfig({ type: "json_match", name: "j" })).toMatchObject({ input: "{{sample.output_text}}" });
  });

  it("leaves variables that do not parse to the render, as before", () => {
    expect(sampleVariableProblems("{{ sample.output_text + 1 }} {{}}")).toEqual([]);
  });
});
