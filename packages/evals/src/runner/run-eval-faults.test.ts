import { afterEach, describe, expect, it } from "vitest";
import { chatItem, exactMatch } from "../../test/eval-fixtures.ts";
import { type Behaviour, type FakeOpenAI, type FakeOpenAIOptions, startFakeOpenAI } from "../../test/fake-openai.ts";
import type { ItemRecord } from "./item-record.ts";
import { runEval } from "./run-eval.ts";
import { sleep } from "./sleep.ts";

let server: FakeOpenAI | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
async function start(options: FakeOpenAIOptions = {}) {
  server = await startFakeOpenAI(options);
  return server;
}

// Each prompt's scripted behaviour per attempt (1-based); attempts past the end succeed.
const SCRIPT: Record<string, Behaviour[]> = {
  ok: [],
  "rate-limited": [
    { kind: "rate_limit", retryAfterMs: "20" },
    { kind: "rate_limit", retryAfter: "0" },
  ],
  "server-error": [
    { kind: "status", status: 500 },
    { kind: "status", status: 503 },
  ],
  hang: [{ kind: "hang" }],
  malformed: [{ kind: "malformed" }],
  reset: [{ kind: "reset" }],
  slow: [{ kind: "ok", latencyMs: 30 }],
  "always-500": Array.from({ length: 10 }, () => ({ kind: "status", status: 500 }) as const),
  "always-429": Array.from({ length: 10 }, () => ({ kind: "rate_limit", retryAfterMs: "1" }) as const),
  "bad-request": [{ kind: "status", status: 400 }],
  unauthorized: [{ kind: "status", status: 401 }],
  "not-found": [{ kind: "status", status: 404 }],
};

const script: FakeOpenAIOptions["script"] = ({ key, attempt }) => SCRIPT[key]?.[attempt - 1];

describe("runEval against a misbehaving server", () => {
  it("ends every item passed, failed or errored, once, retrying only what is transient", async () => {
    const fake = await start({ script });
    // Every item passes exact match if sampled (the server echoes the prompt), so statuses reflect sampling only.
    const items = Object.keys(SCRIPT).map((key) => chatItem(key, key, key));
    const seen: ItemRecord[] = [];
    const client = fake.client(); // default SDK retries on: the runner must turn them off per request
    const result = await runEval({
      items,
      sampler: { client, model: "m" },
      graders: [exactMatch],
      concurrency: 4,
      timeoutMs: 500, // generous: only "hang" may time out, even on a loaded machine
      retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 },
      onSample: (record) => {
        seen.push(record);
      },
    });

    const byId = Object.fromEntries(result.items.map((record) => [record.item_id, record]));
    const attempts = (key: string) => fake.requestsFor(key).length;
    expect(seen).toHaveLength(items.length);
    expect(new Set(seen.map((record) => record.item_id)).size).toBe(items.length);
    expect(result.result_counts).toEqual({ total: items.length, passed: 7, failed: 0, errored: 5 });

    for (const key of ["ok", "rate-limited", "server-error", "hang", "malformed", "reset", "slow"]) {
      expect(byId[key]?.status, key).toBe("passed");
      expect(byId[key]?.attempts, key).toBe(attempts(key));
    }
    expect(attempts("ok")).toBe(1);
    expect(attempts("rate-limited")).toBe(3);
    expect(attempts("server-error")).toBe(3);
    expect(attempts("hang")).toBe(2);
    expect(fake.requestsFor("hang")[0]?.abandoned).toBe(true);
    expect(attempts("malformed")).toBe(2);
    expect(attempts("reset")).toBe(2);

    // Retries exhausted: errored with the last error; grades errored, not failed.
    expect(attempts("always-500")).toBe(4);
    expect(byId["always-500"]).toMatchObject({ status: "errored", sample: null, sample_error: { type: "server_error", status: 500 } });
    expect(byId["always-500"]?.grades.exact?.error?.type).toBe("other_error");
    expect(attempts("always-429")).toBe(4);
    expect(byId["always-429"]?.sample_error).toMatchObject({ type: "rate_limited", status: 429 });

    // 400/401/404 are not retried.
    for (const [key, status] of [
      ["bad-request", 400],
      ["unauthorized", 401],
      ["not-found", 404],
    ] as const) {
      expect(attempts(key), key).toBe(1);
      expect(byId[key]).toMatchObject({ status: "errored", attempts: 1, sample_error: { type: "http_error", status } });
    }
    expect(result.per_testing_criteria_results).toEqual([{ testing_criteria: "exact", passed: 7, failed: 0, errored: 5 }]);
    expect(result.per_model_usage[0]?.invocation_count).toBe(7);
    expect(result.retries).toBe(fake.requests.length - items.length);
  });

  it("waits exactly the Retry-After before retrying, and backs off with jitter otherwise", async () => {
    const fake = await start({
      script: ({ key, attempt }) => {
        if (key === "a" && attempt === 1) return { kind: "rate_limit", retryAfter: "3" };
        if (key === "b" && attempt === 1) return { kind: "rate_limit", retryAfterMs: "1500" };
        if (key === "c" && attempt <= 2) return { kind: "status", status: 502 };
        return undefined;
      },
    });
    const waits: Array<{ ms: number; requestsSoFar: number }> = [];
    const result = await runEval({
      items: ["a", "b", "c"].map((key) => chatItem(key, key, key)),
      sampler: { client: fake.client(), model: "m" },
      graders: [exactMatch],
      concurrency: 1,
      retry: { baseDelayMs: 100, maxDelayMs: 10_000 },
      random: () => 0.5,
      sleep: async (ms) => {
        waits.push({ ms, requestsSoFar: fake.requests.length });
      },
    });
    expect(result.result_counts.passed).toBe(3);
    // a: 429 (Retry-After 3 s) → wait 3000 → retry; b: retry-after-ms 1500; c: 502, 502 → jitter 0.5·100, 0.5·200.
    expect(waits).toEqual([
      { ms: 3000, requestsSoFar: 1 },
      { ms: 1500, requestsSoFar: 3 },
      { ms: 50, requestsSoFar: 5 },
      { ms: 100, requestsSoFar: 6 },
    ]);
    expect(fake.requests.map((request) => `${request.key}${request.attempt}`)).toEqual(["a1", "a2", "b1", "b2", "c1", "c2", "c3"]);
  });

  it("does not retry a rate-limited item before its Retry-After while other items proceed", async () => {
    // The wait for "a" is released only once every other item is done: the retry must come after all of them.
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const fake = await start({
      script: ({ key, attempt }) => (key === "a" && attempt === 1 ? { kind: "rate_limit", retryAfter: "1" } : undefined),
    });
    let done = 0;
    const result = await runEval({
      items: ["a", "b", "c", "d", "e"].map((key) => chatItem(key, key, key)),
      sampler: { client: fake.client(), model: "m" },
      graders: [exactMatch],
      concurrency: 2,
      sleep: async (ms, signal) => {
        expect(ms).toBe(1000);
        await released;
        await sleep(0, signal);
      },
      onSample: (record) => {
        if (record.item_id !== "a" && ++done === 4) release();
      },
    });
    expect(result.result_counts.passed).toBe(5);
    const order = fake.requests.map((request) => `${request.key}${request.attempt}`);
    expect(order.at(-1)).toBe("a2");
    expect(order.filter((entry) => entry.startsWith("a"))).toEqual(["a1", "a2"]);
  });

  it("paces requests to a requests-per-minute limit", async () => {
    const fake = await start();
    const waits: number[] = [];
    let t = 0;
    await runEval({
      items: ["a", "b", "c", "d"].map((key) => chatItem(key, key, key)),
      sampler: { client: fake.client(), model: "m" },
      graders: [exactMatch],
      concurrency: 1,
      rateLimits: { requestsPerMinute: 60 }, // one per second, burst 1
      now: () => t,
      sleep: async (ms) => {
        waits.push(ms);
        t += ms;
      },
    });
    expect(waits).toEqual([0, 1000, 1000, 1000]);
  });
});
