import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatCompletion, startStubServer } from "./openai-stub-server.ts";
import { GraderConfigError } from "./registry.ts";
import { testGrader } from "./test-grader.ts";

const line = {
  messages: [
    { role: "user", content: "Route: card charged twice" },
    { role: "assistant", content: '{"category":"billing"}' },
  ],
  team: "payments",
};

let stub: Awaited<ReturnType<typeof startStubServer>>;
beforeAll(async () => {
  stub = await startStubServer(() => chatCompletion('{"reasoning":"ok","result":0.9}'));
});
afterAll(() => stub.close());

describe("testGrader", () => {
  it("grades one example from grader JSON, output text and a raw JSONL line", async () => {
    const result = await testGrader({
      grader: {
        type: "string_check",
        name: "cat",
        input: "{{sample.output_json.category}}",
        reference: "{{item.reference_json.category}}",
        operation: "eq",
      },
      sample: '{"category":"billing"}',
      item: line,
    });
    expect(result).toMatchObject({ score: 1, passed: true, status: "passed", rendered: { input: "billing", reference: "billing" } });
    expect(Object.values(result.errors).every((flag) => flag === false)).toBe(true);
  });

  it("shows rendered model-grader messages and multi sub-scores", async () => {
    const result = await testGrader({
      grader: {
        type: "multi",
        name: "both",
        calculate_output: "(judge + exact) / 2",
        graders: {
          judge: {
            type: "score_model",
            name: "judge",
            model: "m",
            input: [{ role: "user", content: "Team {{item.team}}: {{sample.output_text}}" }],
          },
          exact: { type: "string_check", name: "exact", input: "{{sample.output_text}}", reference: "{{item.reference}}", operation: "eq" },
        },
      },
      sample: '{"category":"billing"}',
      item: line,
      context: { client: stub.client },
    });
    expect(result.score).toBeCloseTo(0.95, 12);
    expect(result.subScores).toEqual({ judge: 0.9, exact: 1 });
    expect(result.rendered).toEqual({
      "graders.judge.input": [{ role: "user", content: 'Team payments: {"category":"billing"}' }],
      "graders.exact.input": '{"category":"billing"}',
      "graders.exact.reference": '{"category":"billing"}',
    });
  });

  it("flags the error type and shows which template failed", async () => {
    const result = await testGrader({
      grader: { type: "string_check", name: "s", input: "{{sample.output_text}}", reference: "{{item.answer}}", operation: "eq" },
      sample: "x",
      item: line,
    });
    expect(result.status).toBe("errored");
    expect(result.errors.invalid_variable_error).toBe(true);
    expect(result.errors.other_error).toBe(false);
    expect(result.rendered).toEqual({ input: "x", reference: { error: expect.stringContaining("item.answer") } });
  });

  it("throws GraderConfigError for an invalid grader", async () => {
    await expect(testGrader({ grader: { type: "regex", name: "r" }, sample: "x" })).rejects.toBeInstanceOf(GraderConfigError);
  });
});
