// Model graders against a real loopback server that follows OpenAI's chat completions API and hangs on purpose,
// through the real `openai` SDK: each request has a deadline, is retried, and ends as an errored grade, never a hang.
import { afterEach, describe, expect, it, vi } from "vitest";
import { chatItem } from "../../test/eval-fixtures.ts";
import { type Behaviour, type FakeOpenAI, startFakeOpenAI } from "../../test/fake-openai.ts";
import { toEvalItem, toSample } from "../item.ts";
import { runEval } from "../runner/run-eval.ts";
import { sleep } from "../runner/sleep.ts";
import { MODEL_GRADER_MAX_ATTEMPTS, MODEL_GRADER_TIMEOUT_MS, ModelGraderSettings } from "./model-grader-settings.ts";
import { bindGrader, parseGraderConfig, runGrader } from "./registry.ts";

let server: FakeOpenAI | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The grader prompt (the fake's key) is `judge: <answer>`; each answer scripts the grader model's behaviour per attempt. */
const SCRIPT: Record<string, Behaviour[]> = {
  "judge: hangs": Array.from({ length: 10 }, () => ({ kind: "hang" }) as const),
  "judge: hangs once": [{ kind: "hang" }, { kind: "ok", content: '{"steps":[],"result":1}' }],
  "judge: label after a hang": [{ kind: "hang" }, { kind: "ok", content: '{"result":"good"}' }],
};

async function start() {
  server = await startFakeOpenAI({ script: ({ key, attempt }) => SCRIPT[key]?.[attempt - 1] });
  return server;
}

const input = [{ role: "user", content: "judge: {{sample.output_text}}" }];
const scoreModel = parseGraderConfig({ type: "score_model", name: "judge", model: "grader-m", input });
const labelModel = parseGraderConfig({
  type: "label_model",
  name: "labeler",
  model: "grader-m",
  input,
  labels: ["good", "bad"],
  passing_labels: ["good"],
});
const item = toEvalItem(
  {
    messages: [
      { role: "user", content: "q" },
      { role: "assistant", content: "a" },
    ],
  },
  0,
);
/** A small deadline, and backoff of a few ms, so that a test waits at most a second or so. */
const fast = { timeoutMs: 200, baseDelayMs: 1, maxDelayMs: 5 };

describe("model grader deadlines", () => {
  it("gives up on a grader model that never answers: an errored grade after the retries, each request abandoned", async () => {
    const fake = await start();
    const grade = await runGrader(scoreModel, toSample("hangs"), item, { client: fake.client(), modelGrader: fast });
    expect(grade).toEqual({
      score: 0,
      passed: false,
      error: {
        type: "model_grader_server_error",
        message: 'grader "judge": the grader model (grader-m) did not answer within 200 ms (3 attempts)',
      },
    });
    // the server sees the last connection close a moment after the client gave up on it
    await vi.waitFor(() =>
      expect(fake.requestsFor("judge: hangs").map((request) => [request.attempt, request.abandoned])).toEqual([
        [1, true],
        [2, true],
        [3, true],
      ]),
    );
    // the SDK's own retries are off: the client here has its default retries, the grader turns them off per request
    expect(fake.requests).toHaveLength(3);
  });

  it("takes the answer of a retry after a request that timed out (score_model and label_model)", async () => {
    const fake = await start();
    const context = { client: fake.client(), modelGrader: fast };
    expect(await runGrader(scoreModel, toSample("hangs once"), item, context)).toMatchObject({ score: 1, passed: true });
    expect(await runGrader(labelModel, toSample("label after a hang"), item, context)).toEqual({
      score: 1,
      passed: true,
      reason: 'label "good"',
    });
    expect(fake.requests.map((request) => [request.key, request.abandoned])).toEqual([
      ["judge: hangs once", true],
      ["judge: hangs once", false],
      ["judge: label after a hang", true],
      ["judge: label after a hang", false],
    ]);
  });

  it("counts attempts as configured, and names one attempt in the singular", async () => {
    const fake = await start();
    const grade = await runGrader(scoreModel, toSample("hangs"), item, { client: fake.client(), modelGrader: { ...fast, maxAttempts: 1 } });
    expect(grade.error?.message).toBe('grader "judge": the grader model (grader-m) did not answer within 200 ms (1 attempt)');
    expect(fake.requests).toHaveLength(1);
  });

  it("stops at once, without a retry, when the run's signal aborts while the grader model hangs", async () => {
    const fake = await start();
    const stop = new AbortController();
    // a deadline the test never reaches: only the abort ends the request
    const grading = runGrader(scoreModel, toSample("hangs"), item, {
      client: fake.client(),
      signal: stop.signal,
      modelGrader: { timeoutMs: 600_000 },
    });
    while (fake.requests.length === 0) await sleep(5);
    stop.abort();
    expect((await grading).error).toEqual({ type: "other_error", message: 'score_model "judge" (grader-m): aborted' });
    expect(fake.requests).toHaveLength(1);
  });

  it("lets an eval run finish when its grader model hangs: the item is errored with the grader's message", async () => {
    const fake = await start();
    const client = fake.client();
    const result = await runEval({
      // the sampled answer is the prompt (the fake echoes it): "hangs" makes the grader's prompt "judge: hangs"
      items: [chatItem("i1", "hangs", "a"), chatItem("i2", "hangs once", "a")],
      sampler: { client, model: "m" },
      graders: [bindGrader(scoreModel, { client, modelGrader: fast })],
      offThreadGrading: false,
    });
    expect(result.status).toBe("completed");
    expect(result.result_counts).toEqual({ total: 2, passed: 1, failed: 0, errored: 1 });
    const hung = result.items.find((record) => record.item_id === "i1");
    expect(hung?.grades.judge?.error?.message).toBe(
      'grader "judge": the grader model (grader-m) did not answer within 200 ms (3 attempts)',
    );
  });

  it("defaults to 60 s and 3 attempts, and refuses bad settings naming the field", () => {
    expect(ModelGraderSettings.parse({})).toMatchObject({ timeoutMs: MODEL_GRADER_TIMEOUT_MS, maxAttempts: MODEL_GRADER_MAX_ATTEMPTS });
    expect([MODEL_GRADER_TIMEOUT_MS, MODEL_GRADER_MAX_ATTEMPTS]).toEqual([60_000, 3]);
    const bad = ModelGraderSettings.safeParse({ timeoutMs: 0, maxAtempts: 2 });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((issue) => [issue.path.join("."), issue.code])).toEqual([
      ["timeoutMs", "too_small"],
      ["", "unrecognized_keys"],
    ]);
  });
});
