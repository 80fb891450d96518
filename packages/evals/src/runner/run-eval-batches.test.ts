import { afterEach, describe, expect, it } from "vitest";
import { echoItems, exactMatch } from "../../test/eval-fixtures.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../../test/fake-openai.ts";
import { MemoryCompletionCache } from "./cache.ts";
import type { ItemRecord } from "./item-record.ts";
import type { RunProgress } from "./progress.ts";
import { runEval } from "./run-eval.ts";

let server: FakeOpenAI | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("runEval with onSamples (batched writes)", () => {
  it("hands every record over once, in fewer writes than items, and counts an item (one progress event per batch) only once its batch is written", async () => {
    server = await startFakeOpenAI();
    const cache = new MemoryCompletionCache();
    const options = { items: echoItems(40), sampler: { client: server.client(), model: "m", samplingParams: { temperature: 0 } } };
    await runEval({ ...options, graders: [exactMatch], cache }); // fills the cache: the next run never waits on I/O

    const batches: ItemRecord[][] = [];
    let written = 0;
    const progress: RunProgress[] = [];
    const result = await runEval({
      ...options,
      graders: [exactMatch],
      cache,
      concurrency: 4,
      onSamples: async (records) => {
        batches.push(records);
        await new Promise((resolve) => setImmediate(resolve));
        written += records.length;
      },
      onProgress: (event) => {
        expect(event.done).toBeLessThanOrEqual(written);
        progress.push(event);
      },
    });

    expect(result.status).toBe("completed");
    expect(result.cache_hits).toBe(40);
    const ids = batches.flat().map((record) => record.item_id);
    expect(ids.sort()).toEqual(options.items.map((item) => item.id).sort());
    expect(batches.length).toBeLessThan(40);
    // one progress event at the start and one per stored batch
    expect(progress.map((event) => event.done)).toEqual([0, ...batches.map((_, i) => batches.slice(0, i + 1).flat().length)]);
    expect(progress.at(-1)).toMatchObject({ done: 40, total: 40, passed: 20, failed: 20 });
  });

  it("stops and rejects when a write fails; the records of that write never count", async () => {
    server = await startFakeOpenAI();
    let writes = 0;
    const progress: RunProgress[] = [];
    const run = runEval({
      items: echoItems(10),
      sampler: { client: server.client(), model: "m" },
      graders: [exactMatch],
      concurrency: 1, // one item per turn (each waits on its request): one record per write
      onSamples: () => {
        writes++;
        if (writes === 3) throw new Error("disk full");
      },
      onProgress: (event) => progress.push(event),
    });
    await expect(run).rejects.toThrow("disk full");
    expect(writes).toBe(3);
    expect(progress.at(-1)?.done).toBe(2);
  });
});
