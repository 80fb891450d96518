import type OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { chatItem, echoItems, exactMatch, nonEmpty } from "../../test/eval-fixtures.ts";
import { type FakeOpenAI, type FakeOpenAIOptions, startFakeOpenAI } from "../../test/fake-openai.ts";
import { GraderError } from "../grade.ts";
import type { ItemRecord } from "./item-record.ts";
import type { RunProgress } from "./progress.ts";
import { runEval } from "./run-eval.ts";

let server: FakeOpenAI | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
async function start(options: FakeOpenAIOptions = {}) {
  server = await startFakeOpenAI(options);
  return server;
}

describe("runEval", () => {
  it("lets the event loop run after setting up, before the first request (even when answers never wait on I/O)", async () => {
    const turns: string[] = [];
    const create = async () => {
      turns.push("request");
      return { choices: [{ message: { role: "assistant", content: "p" }, finish_reason: "stop" }] };
    };
    const client = { chat: { completions: { create } } } as unknown as OpenAI;
    setImmediate(() => turns.push("turn"));
    const result = await runEval({ items: echoItems(3), sampler: { client, model: "m" }, graders: [nonEmpty], concurrency: 2 });
    expect(result.result_counts.total).toBe(3);
    expect(turns[0]).toBe("turn");
    expect(turns.filter((t) => t === "request")).toHaveLength(3);
  });

  it("without keeping records (keepRecords: false) reports the same counts, criteria and usage, and no items", async () => {
    const fake = await start();
    const items = echoItems(20);
    const options = { items, sampler: { client: fake.client(), model: "gpt-test" }, graders: [exactMatch, nonEmpty], concurrency: 4 };
    const kept = await runEval(options);
    const handed: ItemRecord[] = [];
    const { items: none, ...rest } = await runEval({
      ...options,
      keepRecords: false,
      onSamples: (records) => {
        handed.push(...records);
      },
    });
    const { items: all, ...expected } = kept;
    expect(all).toHaveLength(20);
    expect(none).toEqual([]);
    expect(rest).toEqual(expected);
    expect(rest.status).toBe("completed");
    expect(handed.map((r) => r.item_id).sort()).toEqual(items.map((i) => i.id).sort());
  });

  it("samples and grades every item once and reports OpenAI's run shape", async () => {
    const fake = await start();
    const items = echoItems(20);
    const seen: ItemRecord[] = [];
    const progress: RunProgress[] = [];
    const result = await runEval({
      items,
      sampler: { client: fake.client(), model: "gpt-test" },
      graders: [exactMatch, nonEmpty],
      concurrency: 4,
      onSample: (record) => {
        seen.push(record);
      },
      onProgress: (event) => progress.push(event),
    });

    expect(result.status).toBe("completed");
    expect(result.result_counts).toEqual({ total: 20, passed: 10, failed: 10, errored: 0 });
    expect(result.per_testing_criteria_results).toEqual([
      { testing_criteria: "exact", passed: 10, failed: 10, errored: 0 },
      { testing_criteria: "non_empty", passed: 20, failed: 0, errored: 0 },
    ]);
    expect(fake.requests).toHaveLength(20);
    const [usage] = result.per_model_usage;
    expect(usage).toMatchObject({ model_name: "gpt-test", invocation_count: 20, cached_tokens: 0 });
    expect(usage?.total_tokens).toBe(result.items.reduce((sum, record) => sum + record.usage.total_tokens, 0));
    expect(usage?.total_tokens).toBeGreaterThan(0);

    // Records in input order; onSample exactly once per item.
    expect(result.items.map((record) => record.item_id)).toEqual(items.map((item) => item.id));
    expect(seen.map((record) => record.item_id).sort()).toEqual(items.map((item) => item.id).sort());
    expect(result.items[0]).toMatchObject({
      status: "passed",
      sample: { output_text: "p0" },
      cached: false,
      attempts: 1,
      finish_reason: "stop",
    });
    expect(result.items[1]?.grades.exact).toEqual({ score: 0, passed: false });

    // Progress: one event at the start and one per item, ending at done = total.
    expect(progress).toHaveLength(21);
    expect(progress.map((event) => event.done)).toEqual(Array.from({ length: 21 }, (_, i) => i));
    expect(progress.at(-1)).toMatchObject({ done: 20, total: 20, passed: 10, failed: 10, errored: 0 });
    expect(progress.at(-1)?.usage.invocation_count).toBe(20);
  });

  it("never has more requests in flight than the concurrency", async () => {
    let inFlight = 0;
    let peak = 0;
    const fake = await start({
      script: () => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        setTimeout(() => inFlight--, 5);
        return { kind: "ok", latencyMs: 5 };
      },
    });
    await runEval({ items: echoItems(30), sampler: { client: fake.client(), model: "m" }, graders: [exactMatch], concurrency: 3 });
    expect(fake.requests).toHaveLength(30);
    expect(peak).toBeLessThanOrEqual(3);
  });

  it("sends the sampling parameters and the item's tools, and grades tool calls", async () => {
    const fake = await start({ script: () => ({ kind: "ok", toolCalls: [{ name: "route", arguments: '{"to":"billing"}' }] }) });
    const item = chatItem("t1", "route me", "");
    item.input.tools = [{ type: "function", function: { name: "route", parameters: { type: "object" } } }];
    const result = await runEval({
      items: [item],
      sampler: {
        client: fake.client(),
        model: "m",
        samplingParams: { temperature: 0.2, top_p: 0.9, max_completion_tokens: 64, seed: 7, stop: ["\n"], tools: [{ other: true }] },
      },
      graders: [
        {
          name: "tool",
          grade: async (sample) => {
            const passed = sample.output_tools?.[0]?.function.name === "route";
            return { score: passed ? 1 : 0, passed };
          },
        },
      ],
    });
    expect(fake.requests[0]?.body).toMatchObject({
      model: "m",
      messages: [{ role: "user", content: "route me" }],
      temperature: 0.2,
      top_p: 0.9,
      max_completion_tokens: 64,
      seed: 7,
      stop: ["\n"],
      tools: item.input.tools,
    });
    expect(result.result_counts).toMatchObject({ passed: 1 });
    expect(result.items[0]?.finish_reason).toBe("tool_calls");
  });

  it("keeps the reasoning a provider returns beside the answer, under either field name, out of the graders' sample", async () => {
    const fake = await start({
      script: ({ key }) => {
        if (key === "p0") return { kind: "ok", reasoning: { field: "reasoning_content", text: "one is odd" } };
        if (key === "p1") return { kind: "ok", reasoning: { field: "reasoning", text: "two is even" } };
        return { kind: "ok" };
      },
    });
    const seen: unknown[] = [];
    const result = await runEval({
      items: echoItems(3),
      sampler: { client: fake.client(), model: "m" },
      graders: [
        {
          name: "sees",
          grade: async (sample) => {
            seen.push(sample);
            return { score: 1, passed: true };
          },
        },
      ],
    });
    expect(result.items.map((i) => i.reasoning)).toEqual(["one is odd", "two is even", undefined]);
    expect(seen.some((s) => JSON.stringify(s).includes("odd") || JSON.stringify(s).includes("even"))).toBe(false);
  });

  it("records grader errors as errored, never failed", async () => {
    const fake = await start();
    const result = await runEval({
      items: echoItems(2),
      sampler: { client: fake.client(), model: "m" },
      graders: [
        exactMatch,
        {
          name: "flaky",
          grade: async (_sample, item) => {
            if (item.id === "item-0") throw new GraderError("invalid_variable_error", "item.missing is not defined");
            throw new Error("boom");
          },
        },
      ],
    });
    expect(result.result_counts).toEqual({ total: 2, passed: 0, failed: 0, errored: 2 });
    expect(result.per_testing_criteria_results).toContainEqual({ testing_criteria: "flaky", passed: 0, failed: 0, errored: 2 });
    expect(result.items[0]?.grades.flaky?.error).toEqual({ type: "invalid_variable_error", message: "item.missing is not defined" });
    expect(result.items[1]?.grades.flaky?.error).toEqual({ type: "other_error", message: "boom" });
    expect(result.items[0]?.grades.exact).toEqual({ score: 1, passed: true });
  });

  it("rejects duplicate item ids and grader names before sending anything", async () => {
    const fake = await start();
    const sampler = { client: fake.client(), model: "m" };
    await expect(runEval({ items: [...echoItems(2), ...echoItems(1)], sampler, graders: [exactMatch] })).rejects.toThrow(/item-0/);
    await expect(runEval({ items: echoItems(1), sampler, graders: [exactMatch, exactMatch] })).rejects.toThrow(/exact/);
    expect(fake.requests).toHaveLength(0);
  });

  it("stops and rejects when onSample fails, without counting the item", async () => {
    const fake = await start();
    let calls = 0;
    const run = runEval({
      items: echoItems(10),
      sampler: { client: fake.client(), model: "m" },
      graders: [exactMatch],
      concurrency: 1,
      onSample: () => {
        calls++;
        if (calls === 3) throw new Error("disk full");
      },
    });
    await expect(run).rejects.toThrow("disk full");
    expect(calls).toBe(3);
    expect(fake.requests).toHaveLength(3);
  });
});
