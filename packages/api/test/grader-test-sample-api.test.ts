// POST /api/graders/test with a sample object built the sample from its output_text only: output_tools were dropped,
// so a tool-call grader (OpenAI's {{sample.output_tools[0].function.name}}) could not be tried over HTTP: it always
// errored with "missing sample.output_tools". The sample's tool calls are now kept, as the eval runner keeps them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiHarness } from "./api-harness.ts";

let h: Awaited<ReturnType<typeof apiHarness>>;
beforeAll(async () => {
  h = await apiHarness();
});
afterAll(async () => h?.dispose());

const refund = { id: "call_1", type: "function", function: { name: "refund", arguments: '{"amount":12}' } };

describe("trying a grader on a sample with tool calls over HTTP", () => {
  it("grades the sample's output_tools (and sample.choices' tool_calls)", async () => {
    const answer = await h.call("POST", "/api/graders/test", {
      grader: {
        type: "multi",
        name: "tool",
        calculate_output: "0.5 * name + 0.5 * via_choices",
        graders: {
          name: {
            type: "string_check",
            name: "name",
            input: "{{sample.output_tools[0].function.name}}",
            reference: "refund",
            operation: "eq",
          },
          via_choices: {
            type: "string_check",
            name: "via_choices",
            input: "{{sample.choices[0].message.tool_calls[0].function.arguments}}",
            reference: '{"amount":12}',
            operation: "eq",
          },
        },
      },
      sample: { output_text: "", output_tools: [refund] },
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ status: "passed", score: 1, subScores: { name: 1, via_choices: 1 } });
  });

  it("refuses tool calls that are not OpenAI's shape with a 400 naming the sample", async () => {
    const answer = await h.call("POST", "/api/graders/test", {
      grader: { type: "string_check", name: "n", input: "{{sample.output_text}}", reference: "", operation: "eq" },
      sample: { output_text: "", output_tools: [{ function: { name: "refund" } }] },
    });
    expect(answer.status).toBe(400);
    expect(answer.json.error.details[0].path).toBe("sample");
  });
});
