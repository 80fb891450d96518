import { afterEach, describe, expect, it } from "vitest";
import { echoItems, exactMatch } from "../../test/eval-fixtures.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../../test/fake-openai.ts";
import { MemoryCompletionCache } from "./cache.ts";
import { runEval } from "./run-eval.ts";
import type { SamplingParams } from "./sampler.ts";

let server: FakeOpenAI | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function twice(samplingParams: SamplingParams) {
  server = await startFakeOpenAI();
  const cache = new MemoryCompletionCache();
  const run = () =>
    runEval({
      items: echoItems(6),
      sampler: { client: (server as FakeOpenAI).client(), model: "m", samplingParams },
      graders: [exactMatch],
      cache,
    });
  const first = await run();
  const second = await run();
  return { first, second, cache, requests: server.requests.length };
}

describe("completion cache", () => {
  it("answers a repeated deterministic run (temperature 0) from the cache", async () => {
    const { first, second, cache, requests } = await twice({ temperature: 0 });
    expect(requests).toBe(6);
    expect(cache.entries.size).toBe(6);
    expect(first.cache_hits).toBe(0);
    expect(second.cache_hits).toBe(6);
    expect(second.items.every((record) => record.cached && record.attempts === 0)).toBe(true);
    expect(second.result_counts).toEqual(first.result_counts);
    expect(second.items.map((record) => record.sample)).toEqual(first.items.map((record) => record.sample));
    // Cache hits are not provider invocations.
    expect(second.per_model_usage).toEqual([]);
    expect(first.per_model_usage[0]?.invocation_count).toBe(6);
  });

  it("uses the cache when a seed is given", async () => {
    const { second, requests } = await twice({ temperature: 0.8, seed: 3 });
    expect(requests).toBe(6);
    expect(second.cache_hits).toBe(6);
  });

  it("never uses the cache for sampled (non-deterministic) requests", async () => {
    const { second, cache, requests } = await twice({ temperature: 0.8 });
    expect(requests).toBe(12);
    expect(cache.entries.size).toBe(0);
    expect(second.cache_hits).toBe(0);
  });

  it("misses when a sampling parameter changes", async () => {
    server = await startFakeOpenAI();
    const cache = new MemoryCompletionCache();
    const client = server.client();
    for (const max_tokens of [10, 20, 10]) {
      await runEval({
        items: echoItems(2),
        sampler: { client, model: "m", samplingParams: { temperature: 0, max_tokens } },
        graders: [exactMatch],
        cache,
      });
    }
    expect(server.requests).toHaveLength(4);
  });

  it("does not cache failed completions", async () => {
    server = await startFakeOpenAI({
      script: ({ key, attempt }) => (key === "p0" && attempt === 1 ? { kind: "status", status: 400 } : undefined),
    });
    const cache = new MemoryCompletionCache();
    const options = {
      items: echoItems(2),
      sampler: { client: server.client(), model: "m", samplingParams: { temperature: 0 } },
      graders: [exactMatch],
      cache,
    };
    const first = await runEval(options);
    const second = await runEval(options);
    expect(first.result_counts.errored).toBe(1);
    expect(second.result_counts).toMatchObject({ errored: 0, passed: 1, failed: 1 });
    expect(second.cache_hits).toBe(1);
  });

  it("rejects the run when the cache fails (a broken cache is a bug, not an item status)", async () => {
    server = await startFakeOpenAI();
    const broken = { get: () => Promise.reject(new Error("cache offline")), set: () => {} };
    const run = runEval({
      items: echoItems(3),
      sampler: { client: server.client(), model: "m", samplingParams: { seed: 1 } },
      graders: [exactMatch],
      cache: broken,
    });
    await expect(run).rejects.toThrow("cache offline");
  });
});
