import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GraderError } from "../grade.ts";
import { toEvalItem, toSample } from "../item.ts";
import { providerError } from "./model-call.ts";
import { apiError, chatCompletion, type StubReply, type StubRequest, startStubServer } from "./openai-stub-server.ts";
import { parseGraderConfig, runGrader } from "./registry.ts";

/** The stub answers by the grader model's name, so each case picks its behaviour. */
const behaviours: Record<string, (request: StubRequest) => StubReply> = {
  "score-json": () => chatCompletion('{"reasoning":"mostly right","result":0.8}'),
  "score-high": () => chatCompletion('{"reasoning":"great","result":7}'),
  "score-bare": () => chatCompletion(" 3 "),
  "score-steps": () =>
    chatCompletion(
      '{"steps":[{"description":"compare city","conclusion":"City is right."},{"description":"extra words","conclusion":"Country is extra."}],"result":0.6}',
    ),
  "score-garbage": () => chatCompletion("I think it is pretty good!"),
  refusal: () => chatCompletion(null, { refusal: "I can't help with that." }),
  filtered: () => chatCompletion("", { finish_reason: "content_filter" }),
  "server-500": () => apiError(500, "the server had an error"),
  "bad-request": () => apiError(400, "model not found"),
  "malformed-body": () => ({ raw: "{not json" }),
  "no-choices": () => ({ json: { id: "x", object: "chat.completion", created: 0, model: "m", choices: [] } }),
  "label-json": () => chatCompletion('{"result":"correct"}'),
  "label-bare": () => chatCompletion("incorrect\n"),
  "label-unknown": () => chatCompletion('{"result":"maybe"}'),
};

let stub: Awaited<ReturnType<typeof startStubServer>>;
beforeAll(async () => {
  stub = await startStubServer((request) => {
    const model = String(request.body.model);
    const behaviour = behaviours[model];
    return behaviour ? behaviour(request) : apiError(404, `unknown model ${model}`);
  });
});
afterAll(() => stub.close());

const item = toEvalItem(
  {
    messages: [
      { role: "user", content: "Capital of France?" },
      { role: "assistant", content: "Paris" },
    ],
    rubric: "exact city",
  },
  0,
);
const sample = toSample("Paris, France");
/** Retries (of 5xx, malformed bodies, connection errors) after a few ms, not the runner's half second. */
const modelGrader = { baseDelayMs: 1, maxDelayMs: 5 };
const input = [
  { role: "system", content: "Grade with rubric: {{item.rubric}}" },
  { role: "user", content: [{ type: "input_text", text: "Reference: {{item.reference}}\nAnswer: {{sample.output_text}}" }] },
];
const score = (model: string, extra: Record<string, unknown> = {}) =>
  runGrader(parseGraderConfig({ type: "score_model", name: "judge", model, input, ...extra }), sample, item, {
    client: stub.client,
    modelGrader,
  });
const label = (model: string) =>
  runGrader(
    parseGraderConfig({
      type: "label_model",
      name: "labeler",
      model,
      input,
      labels: ["correct", "incorrect"],
      passing_labels: ["correct"],
    }),
    sample,
    item,
    { client: stub.client, modelGrader },
  );

describe("score_model", () => {
  it("sends the rendered messages, sampling params and a JSON-schema response format", async () => {
    const grade = await score("score-json", { sampling_params: { temperature: 0, seed: 7, max_completions_tokens: 50 } });
    expect(grade).toMatchObject({ score: 0.8, passed: true, reason: "score 0.8: mostly right" });
    const request = stub.requests.at(-1);
    expect(request?.path).toBe("/chat/completions");
    expect(request?.body).toMatchObject({
      model: "score-json",
      temperature: 0,
      seed: 7,
      max_completion_tokens: 50,
      messages: [
        { role: "system", content: "Grade with rubric: exact city" },
        { role: "user", content: "Reference: Paris\nAnswer: Paris, France" },
      ],
      response_format: { type: "json_schema", json_schema: { name: "score_model_grade", strict: true } },
    });
  });

  it("asks for OpenAI's documented response format {result, steps: [{description, conclusion}]} and reads it", async () => {
    const grade = await score("score-steps");
    expect(grade).toMatchObject({ score: 0.6, passed: true, reason: "score 0.6: City is right. Country is extra." });
    const format = stub.requests.at(-1)?.body.response_format as { json_schema?: { schema?: unknown } } | undefined;
    expect(format?.json_schema?.schema).toMatchObject({
      type: "object",
      required: ["steps", "result"],
      additionalProperties: false,
      properties: {
        result: { type: "number" },
        steps: {
          type: "array",
          items: { type: "object", required: ["description", "conclusion"], properties: { description: {}, conclusion: {} } },
        },
      },
    });
  });

  it("accepts every reasoning_effort OpenAI documents for sampling_params, max included, and sends it", async () => {
    for (const effort of ["none", "minimal", "low", "medium", "high", "xhigh", "max"]) {
      expect(await score("score-json", { sampling_params: { reasoning_effort: effort } })).toMatchObject({ score: 0.8 });
      expect(stub.requests.at(-1)?.body.reasoning_effort).toBe(effort);
    }
  });

  it("accepts OpenAI's input_audio content parts and sends them to the grading model", async () => {
    const audioInput = [{ role: "user", content: [{ type: "input_audio", input_audio: { data: "{{item.rubric}}", format: "mp3" } }] }];
    expect(await score("score-json", { input: audioInput })).toMatchObject({ score: 0.8 });
    expect(stub.requests.at(-1)?.body.messages).toEqual([
      { role: "user", content: [{ type: "input_audio", input_audio: { data: "exact city", format: "mp3" } }] },
    ]);
  });

  it("clips to range and applies pass_threshold (default: middle of the range)", async () => {
    expect(await score("score-high", { range: [1, 5] })).toMatchObject({
      score: 5,
      passed: true,
      reason: expect.stringContaining("clipped from 7"),
    });
    expect(await score("score-bare", { range: [1, 5] })).toMatchObject({ score: 3, passed: true });
    expect(await score("score-bare", { range: [1, 5], pass_threshold: 4 })).toMatchObject({ score: 3, passed: false });
    expect(await score("score-json", { pass_threshold: 0.9 })).toMatchObject({ score: 0.8, passed: false });
  });

  it("scores a non-numeric reply 0 with the reply as the reason (failed, not errored)", async () => {
    const grade = await score("score-garbage");
    expect(grade).toEqual({ score: 0, passed: false, reason: 'model output is not a number: "I think it is pretty good!"' });
  });

  it("reports refusals as model_grader_refusal_error", async () => {
    expect((await score("refusal")).error).toEqual({
      type: "model_grader_refusal_error",
      message: 'score_model "judge" (refusal) refused: I can\'t help with that.',
    });
    expect((await score("filtered")).error?.type).toBe("model_grader_refusal_error");
  });

  it("reports HTTP and protocol failures as model_grader_server_error", async () => {
    const server = await score("server-500");
    expect(server).toMatchObject({ score: 0, passed: false, error: { type: "model_grader_server_error" } });
    expect(server.error?.message).toMatch(/HTTP 500.*\(3 attempts\)$/);
    expect(stub.requests.slice(-3).map((request) => request.body.model)).toEqual(["server-500", "server-500", "server-500"]);
    // a 400 is not retried, as the runner does not retry one
    const requestsBefore = stub.requests.length;
    expect((await score("bad-request")).error?.message).toMatch(/HTTP 400\): 400 model not found$/);
    expect(stub.requests.length).toBe(requestsBefore + 1);
    expect((await score("malformed-body")).error?.type).toBe("model_grader_server_error");
    expect((await score("no-choices")).error?.type).toBe("model_grader_server_error");
  });

  it("errors clearly without a client, and on a connection failure", async () => {
    const config = parseGraderConfig({ type: "score_model", name: "judge", model: "m", input });
    expect((await runGrader(config, sample, item, {})).error).toMatchObject({
      type: "other_error",
      message: expect.stringContaining("needs a provider client"),
    });
    const { default: OpenAI } = await import("openai");
    const closed = new OpenAI({ baseURL: "http://127.0.0.1:9/v1", apiKey: "test", maxRetries: 0 });
    expect((await runGrader(config, sample, item, { client: closed, modelGrader })).error).toMatchObject({
      type: "model_grader_server_error",
      message: expect.stringMatching(/\(3 attempts\)$/),
    });
  });

  it("reports token usage per model", async () => {
    const usage: Array<[string, number]> = [];
    await runGrader(parseGraderConfig({ type: "score_model", name: "j", model: "score-json", input }), sample, item, {
      client: stub.client,
      onUsage: (model, u) => usage.push([model, u.total_tokens]),
    });
    expect(usage).toEqual([["score-json", 15]]);
  });

  it("validates the config with paths", () => {
    expect(() => parseGraderConfig({ type: "score_model", name: "j", model: "m", input, range: [5, 1] })).toThrow(/range: range must be/);
    expect(() => parseGraderConfig({ type: "score_model", name: "j", model: "m", input: [{ role: "robot", content: "x" }] })).toThrow(
      /input\[0\]\.role/,
    );
  });
});

describe("label_model", () => {
  it("asks for one of the labels through a JSON-schema enum and passes on passing labels", async () => {
    expect(await label("label-json")).toEqual({ score: 1, passed: true, reason: 'label "correct"' });
    expect(stub.requests.at(-1)?.body.response_format).toMatchObject({
      type: "json_schema",
      json_schema: { schema: { properties: { result: { type: "string", enum: ["correct", "incorrect"] } } } },
    });
    expect(await label("label-bare")).toEqual({ score: 0, passed: false, reason: 'label "incorrect"' });
  });

  it("errors with model_grader_parse_error on a label outside the list", async () => {
    const grade = await label("label-unknown");
    expect(grade.error).toEqual({
      type: "model_grader_parse_error",
      message: 'label_model "labeler": "maybe" is not one of ["correct","incorrect"]',
    });
  });

  it("maps refusals and server errors like score_model", async () => {
    expect((await label("refusal")).error?.type).toBe("model_grader_refusal_error");
    expect((await label("server-500")).error?.type).toBe("model_grader_server_error");
  });

  it("requires passing_labels to be labels", () => {
    expect(() => parseGraderConfig({ type: "label_model", name: "l", model: "m", input, labels: ["a"], passing_labels: ["b"] })).toThrow(
      /passing_labels\[0\]: "b" is not one of labels/,
    );
  });
});

describe("providerError", () => {
  it("maps the openai client's errors to the grader taxonomy (the SDK loaded only then)", async () => {
    const { APIError, APIUserAbortError } = await import("openai");
    const aborted = await providerError("g (m)", new APIUserAbortError());
    expect(aborted).toMatchObject({ type: "other_error", message: "g (m): aborted" });
    const http = await providerError("g (m)", new APIError(503, undefined, "down for maintenance", new Headers()));
    expect(http).toMatchObject({ type: "model_grader_server_error" });
    expect(http.message).toMatch(/^g \(m\): provider error \(HTTP 503\): .*down for maintenance/);
    const own = new GraderError("model_grader_refusal_error", "refused");
    expect(await providerError("g (m)", own)).toBe(own);
    expect(await providerError("g (m)", new SyntaxError("Unexpected token"))).toMatchObject({
      type: "model_grader_server_error",
      message: "g (m): bad reply from the provider: Unexpected token",
    });
  });
});
