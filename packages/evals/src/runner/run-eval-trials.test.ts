import { afterEach, describe, expect, it } from "vitest";
import { echoItems, exactMatch } from "../../test/eval-fixtures.ts";
import { type ChatBody, type FakeOpenAI, startFakeOpenAI } from "../../test/fake-openai.ts";
import { summarizeGraders } from "../stats/summary.ts";
import { MemoryCompletionCache } from "./cache.ts";
import { runEval } from "./run-eval.ts";
import { trialKey } from "./trials.ts";

let server: FakeOpenAI | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const promptOf = (body: ChatBody) => String(body.messages.at(-1)?.content ?? "");
/** Echoes the prompt (a pass for every item) unless the request's seed is odd, then answers wrong. */
const bySeed = (body: ChatBody) => (Number(body.seed ?? 0) % 2 === 1 ? "wrong" : promptOf(body));

describe("trials", () => {
  it("samples each item N times with seed + trial, and the records carry the trial index", async () => {
    server = await startFakeOpenAI({ answer: bySeed });
    const result = await runEval({
      items: echoItems(4, () => true),
      sampler: { client: server.client(), model: "m", samplingParams: { temperature: 1, seed: 10 } },
      graders: [exactMatch],
      trials: 3,
    });
    expect(result.result_counts.total).toBe(12);
    expect(server.requests.map((r) => r.body.seed).sort()).toEqual([10, 10, 10, 10, 11, 11, 11, 11, 12, 12, 12, 12]);
    const trials = result.items.map((r) => r.trial);
    expect(new Set(trials)).toEqual(new Set([0, 1, 2]));
    // trial 1 (seed 11) fails every item, trials 0 and 2 pass: every item is flaky
    const summary = summarizeGraders(result.items, { seed: 1 }).exact;
    expect(summary?.trials).toMatchObject({ perItem: 3, items: 4, flaky: 4 });
    expect(summary?.mean).toBeCloseTo(2 / 3, 12);
  });

  it("keeps cached completions per trial index: a repeat run is all hits, trials never share one", async () => {
    server = await startFakeOpenAI({ answer: bySeed });
    const cache = new MemoryCompletionCache();
    const run = () =>
      runEval({
        items: echoItems(3, () => true),
        sampler: { client: (server as FakeOpenAI).client(), model: "m", samplingParams: { temperature: 0 } },
        graders: [exactMatch],
        trials: 2,
        cache,
      });
    const first = await run();
    expect(server.requests).toHaveLength(6);
    expect(cache.entries.size).toBe(6);
    const second = await run();
    expect(server.requests).toHaveLength(6);
    expect(second.cache_hits).toBe(6);
    expect(second.items.map((r) => [r.item_id, r.trial])).toEqual(first.items.map((r) => [r.item_id, r.trial]));
  });

  it("resumes: skipped (item, trial) units are not sampled again", async () => {
    server = await startFakeOpenAI();
    const items = echoItems(3, () => true);
    const skip = new Set([trialKey("item-0", 0), trialKey("item-1", 0), trialKey("item-0", 1)]);
    const result = await runEval({
      items,
      sampler: { client: server.client(), model: "m" },
      graders: [exactMatch],
      trials: 2,
      skip,
    });
    expect(result.skipped).toBe(3);
    expect(result.items.map((r) => trialKey(r.item_id, r.trial ?? 0)).sort()).toEqual(
      [trialKey("item-2", 0), trialKey("item-1", 1), trialKey("item-2", 1)].sort(),
    );
  });

  it("refuses a trial count out of range", async () => {
    server = await startFakeOpenAI();
    const options = { items: echoItems(1), sampler: { client: server.client(), model: "m" }, graders: [exactMatch] };
    await expect(runEval({ ...options, trials: 0 })).rejects.toThrow(/trials must be an integer from 1 to 100/);
    await expect(runEval({ ...options, trials: 1.5 })).rejects.toThrow(/trials/);
  });
});
