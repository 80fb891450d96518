/**
 * A model that refuses sampling parameters the way OpenAI's reasoning models do (a loopback server answering their
 * documented 400s): the run leaves the refused parameters out of the failed request's retry and of every later
 * request, says so once per parameter, keeps retries for transient failures, and caches only what stays deterministic.
 */
import { afterEach, describe, expect, it } from "vitest";
import { chatItem, exactMatch } from "../../test/eval-fixtures.ts";
import { type Behaviour, type ChatBody, type FakeOpenAI, startFakeOpenAI } from "../../test/fake-openai.ts";
import { MemoryCompletionCache } from "./cache.ts";
import { runEval } from "./run-eval.ts";
import type { SamplingParams } from "./sampler.ts";

let server: FakeOpenAI | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** OpenAI's answers to a reasoning model's request with max_tokens, or with a temperature other than 1. */
function reasoningModel({ body }: { body: ChatBody }): Behaviour | undefined {
  if (body.max_tokens !== undefined)
    return {
      kind: "error",
      status: 400,
      message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
      param: "max_tokens",
      code: "unsupported_parameter",
    };
  if (body.temperature !== undefined && body.temperature !== 1)
    return {
      kind: "error",
      status: 400,
      message: `Unsupported value: 'temperature' does not support ${body.temperature} with this model. Only the default (1) value is supported.`,
      param: "temperature",
      code: "unsupported_value",
    };
  return undefined;
}

const items = Array.from({ length: 8 }, (_, i) => chatItem(`i${i}`, `prompt ${i}`, `prompt ${i}`));
const DEFAULT_SAMPLING: SamplingParams = { temperature: 0, seed: 0, max_tokens: 256 };

describe("sampling parameters the model refuses", () => {
  it("are left out of the retry and of every later request, said once each; every item is answered", async () => {
    server = await startFakeOpenAI({ script: reasoningModel });
    const result = await runEval({
      items,
      sampler: { client: server.client(), model: "gpt-5-mini", samplingParams: DEFAULT_SAMPLING },
      graders: [exactMatch],
      concurrency: 3,
      retry: { maxAttempts: 1 }, // the refusals must not use up the retry policy's attempts
    });
    expect(result.result_counts).toMatchObject({ total: 8, passed: 8, errored: 0 });
    expect(result.samplingNotes).toEqual([
      expect.stringMatching(/^gpt-5-mini does not accept max_tokens .*sent without max_tokens 256/),
      expect.stringMatching(/^gpt-5-mini accepts only its default temperature: sent without temperature 0/),
    ]);
    // every answered request carried neither; the seed and the messages went as asked
    const answered = server.requests.filter((r) => r.behaviour === "ok");
    expect(answered).toHaveLength(8);
    for (const r of answered) {
      expect(r.body).not.toHaveProperty("max_tokens");
      expect(r.body).not.toHaveProperty("temperature");
      expect(r.body.seed).toBe(0);
    }
    // once learned, later requests leave them out from the start: at most one refusal per request in flight at a time
    expect(server.requests.length - 8).toBeLessThanOrEqual(2 * 3);
    expect(server.requests.slice(-3).every((r) => r.behaviour === "ok")).toBe(true);
    expect(result.retries).toBe(0);
  });

  it("still cache seeded requests, under what the run asked for, so a second run asks nothing", async () => {
    server = await startFakeOpenAI({ script: reasoningModel });
    const cache = new MemoryCompletionCache();
    const run = () =>
      runEval({
        items,
        sampler: { client: (server as FakeOpenAI).client(), model: "gpt-5-mini", samplingParams: DEFAULT_SAMPLING },
        graders: [exactMatch],
        cache,
      });
    await run();
    const asked = server.requests.length;
    const second = await run();
    expect(second.cache_hits).toBe(8);
    expect(server.requests.length).toBe(asked);
  });

  it("are not cached once the request is no longer deterministic (temperature left out, no seed)", async () => {
    server = await startFakeOpenAI({ script: reasoningModel });
    const cache = new MemoryCompletionCache();
    const result = await runEval({
      items,
      sampler: { client: server.client(), model: "o4-mini", samplingParams: { temperature: 0 } },
      graders: [exactMatch],
      cache,
      concurrency: 1,
    });
    expect(result.result_counts).toMatchObject({ passed: 8 });
    expect(result.samplingNotes).toEqual([expect.stringMatching(/^o4-mini accepts only its default temperature/)]);
    expect(cache.entries.size).toBe(0);
  });

  it("leave every other 400 an errored item, and a model that accepts them untouched", async () => {
    server = await startFakeOpenAI({
      script: ({ key }) =>
        key === "prompt 0"
          ? { kind: "error", status: 400, message: "Invalid 'messages[0].content'", param: "messages[0].content", code: "invalid_value" }
          : undefined,
    });
    const result = await runEval({
      items,
      sampler: { client: server.client(), model: "gpt-4.1-mini", samplingParams: DEFAULT_SAMPLING },
      graders: [exactMatch],
    });
    expect(result.result_counts).toMatchObject({ passed: 7, errored: 1 });
    expect(result.samplingNotes).toEqual([]);
    expect(server.requests.every((r) => r.body.max_tokens === 256 && r.body.temperature === 0)).toBe(true);
  });
});

/**
 * OpenAI's answer to `reasoning_effort` from a model that does not reason, on chat completions: the parameter named only
 * in the message (davidmigloz/langchain_dart#712, AAswordman/Operit#1048).
 */
function nonReasoningModel({ body }: { body: ChatBody }): Behaviour | undefined {
  if (body.reasoning_effort !== undefined)
    return { kind: "error", status: 400, message: "Unrecognized request argument supplied: reasoning_effort", param: null, code: null };
  return undefined;
}

describe("reasoning_effort", () => {
  it("is sent in every request of a reasoning model, beside what that model keeps of the rest", async () => {
    server = await startFakeOpenAI({ script: reasoningModel });
    const result = await runEval({
      items,
      sampler: { client: server.client(), model: "gpt-5-mini", samplingParams: { ...DEFAULT_SAMPLING, reasoning_effort: "low" } },
      graders: [exactMatch],
      concurrency: 1,
    });
    expect(result.result_counts).toMatchObject({ total: 8, passed: 8 });
    expect(server.requests.every((r) => r.body.reasoning_effort === "low")).toBe(true);
    expect(result.samplingNotes).toHaveLength(2); // max_tokens and temperature, not reasoning_effort
    expect(result.samplingNotes.join("\n")).not.toContain("reasoning_effort");
  });

  it("is left out for a model that refuses it (OpenAI's 'Unrecognized request argument'), said once; the rest is sent", async () => {
    server = await startFakeOpenAI({ script: nonReasoningModel });
    const result = await runEval({
      items,
      sampler: { client: server.client(), model: "gpt-4o-mini", samplingParams: { ...DEFAULT_SAMPLING, reasoning_effort: "high" } },
      graders: [exactMatch],
      concurrency: 1,
      retry: { maxAttempts: 1 },
    });
    expect(result.result_counts).toMatchObject({ total: 8, passed: 8, errored: 0 });
    expect(result.samplingNotes).toEqual([
      'gpt-4o-mini does not accept reasoning_effort (it is not a reasoning model): sent without reasoning_effort "high"',
    ]);
    // refused once, then never sent again; temperature, seed and max_tokens went as asked
    expect(server.requests).toHaveLength(9);
    expect(server.requests[0]?.behaviour).toBe("error");
    for (const r of server.requests.slice(1)) {
      expect(r.body).not.toHaveProperty("reasoning_effort");
      expect(r.body).toMatchObject({ temperature: 0, seed: 0, max_tokens: 256 });
    }
  });

  it("is left out on Azure OpenAI's refusal too (unknown_parameter naming it)", async () => {
    server = await startFakeOpenAI({
      script: ({ body }) =>
        body.reasoning_effort === undefined
          ? undefined
          : {
              kind: "error",
              status: 400,
              message: "Unknown parameter: 'reasoning_effort'.",
              param: "reasoning_effort",
              code: "unknown_parameter",
            },
    });
    const result = await runEval({
      items,
      sampler: { client: server.client(), model: "o1-mini", samplingParams: { reasoning_effort: "medium" } },
      graders: [exactMatch],
      concurrency: 1,
    });
    expect(result.result_counts).toMatchObject({ passed: 8, errored: 0 });
    expect(result.samplingNotes).toEqual([expect.stringMatching(/^o1-mini does not accept reasoning_effort .*"medium"/)]);
  });

  it("is not dropped when the model takes reasoning_effort but not that level: the items error", async () => {
    server = await startFakeOpenAI({
      script: ({ body }) =>
        body.reasoning_effort === "none"
          ? {
              kind: "error",
              status: 400,
              message:
                "Unsupported value: 'reasoning_effort' does not support 'none' with this model. Supported values are: 'minimal', 'low', 'medium', and 'high'.",
              param: "reasoning_effort",
              code: "unsupported_value",
            }
          : undefined,
    });
    const result = await runEval({
      items,
      sampler: { client: server.client(), model: "gpt-5", samplingParams: { reasoning_effort: "none" } },
      graders: [exactMatch],
    });
    expect(result.result_counts).toMatchObject({ passed: 0, errored: 8 });
    expect(result.samplingNotes).toEqual([]);
    expect(server.requests.every((r) => r.body.reasoning_effort === "none")).toBe(true);
  });

  it("is a different completion: a cached run at one effort does not answer a run at another", async () => {
    server = await startFakeOpenAI({ script: reasoningModel });
    const cache = new MemoryCompletionCache();
    const run = (effort: "low" | "high") =>
      runEval({
        items,
        sampler: { client: (server as FakeOpenAI).client(), model: "o4-mini", samplingParams: { seed: 1, reasoning_effort: effort } },
        graders: [exactMatch],
        cache,
      });
    await run("low");
    expect((await run("low")).cache_hits).toBe(8);
    const asked = server.requests.length;
    const other = await run("high");
    expect(other.cache_hits).toBe(0);
    expect(server.requests.slice(asked).map((r) => r.body.reasoning_effort)).toEqual(Array(8).fill("high"));
  });
});
