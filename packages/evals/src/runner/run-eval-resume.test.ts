import { afterEach, describe, expect, it, vi } from "vitest";
import { echoItems, exactMatch } from "../../test/eval-fixtures.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../../test/fake-openai.ts";
import type { ItemRecord } from "./item-record.ts";
import { runEval } from "./run-eval.ts";
import { summarizeRecords } from "./run-result.ts";

let server: FakeOpenAI | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("cancellation and resume", () => {
  it("stops scheduling, aborts requests in flight and resolves with what finished; a resumed run does the rest once", async () => {
    const items = echoItems(10);
    const controller = new AbortController();
    // p0–p2 answer at once; every other prompt hangs. With concurrency 4 the run has p3 and three more in flight
    // when the fourth hanging request arrives: then the test cancels.
    let hanging = 0;
    server = await startFakeOpenAI({
      script: ({ key }) => {
        if (["p0", "p1", "p2"].includes(key)) return undefined;
        if (++hanging === 4) setImmediate(() => controller.abort());
        return { kind: "hang" };
      },
    });
    const persisted: ItemRecord[] = [];
    const first = await runEval({
      items,
      sampler: { client: server.client(), model: "m" },
      graders: [exactMatch],
      concurrency: 4,
      signal: controller.signal,
      timeoutMs: 30_000,
      onSample: (record) => {
        persisted.push(record);
      },
    });
    expect(first.status).toBe("cancelled");
    expect(first.result_counts).toEqual({ total: 3, passed: 2, failed: 1, errored: 0 });
    expect(persisted.map((record) => record.item_id).sort()).toEqual(["item-0", "item-1", "item-2"]);
    expect(server.requests).toHaveLength(7); // p7–p9 never sent
    const fake = server;
    await vi.waitFor(() => expect(fake.requests.filter((request) => request.abandoned)).toHaveLength(4));
    await server.close();

    // Resume: only the unfinished items are sampled, each once.
    server = await startFakeOpenAI();
    const second = await runEval({
      items,
      sampler: { client: server.client(), model: "m" },
      graders: [exactMatch],
      skip: new Set(persisted.map((record) => record.item_id)),
      onSample: (record) => {
        persisted.push(record);
      },
    });
    expect(second.status).toBe("completed");
    expect(second.skipped).toBe(3);
    expect(second.result_counts.total).toBe(7);
    expect(server.requests.map((request) => request.key).sort()).toEqual(["p3", "p4", "p5", "p6", "p7", "p8", "p9"]);
    const ids = persisted.map((record) => record.item_id);
    expect(new Set(ids).size).toBe(10);
    expect(ids).toHaveLength(10);

    // The whole run's totals from every persisted record.
    expect(summarizeRecords(persisted, ["exact"]).result_counts).toEqual({ total: 10, passed: 5, failed: 5, errored: 0 });
  });

  it("returns at once when the signal is already aborted", async () => {
    server = await startFakeOpenAI();
    const result = await runEval({
      items: echoItems(3),
      sampler: { client: server.client(), model: "m" },
      graders: [exactMatch],
      signal: AbortSignal.abort(),
    });
    expect(result).toMatchObject({ status: "cancelled", result_counts: { total: 0, passed: 0, failed: 0, errored: 0 } });
    expect(server.requests).toHaveLength(0);
  });

  it("interrupts a backoff wait when cancelled", async () => {
    const controller = new AbortController();
    server = await startFakeOpenAI({
      script: () => {
        setImmediate(() => controller.abort());
        return { kind: "rate_limit", retryAfter: "60" };
      },
    });
    const result = await runEval({
      items: echoItems(1),
      sampler: { client: server.client(), model: "m" },
      graders: [exactMatch],
      signal: controller.signal,
    });
    expect(result.status).toBe("cancelled");
    expect(server.requests).toHaveLength(1);
  });
});
