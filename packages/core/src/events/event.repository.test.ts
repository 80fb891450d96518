// The event log's repository on a real SQLite workspace: order, reading on from an id, rows it cannot read, retention.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempWorkspace } from "../test-support/temp-workspace.ts";
import { appendEvents, eventsAfter, latestEventId, pruneEvents } from "./event.repository.ts";
import type { WorkspaceEvent } from "./workspace-event.schema.ts";

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
beforeEach(async () => {
  ws = await tempWorkspace();
});
afterEach(async () => ws.dispose());

const metrics = (step: number): WorkspaceEvent => ({
  type: "metrics",
  experimentId: "exp_1",
  step,
  totalSteps: 100,
  trainLoss: 1 / step,
  validLoss: null,
});
const steps = (page: { events: Array<{ event: WorkspaceEvent }> }) =>
  page.events.map((e) => (e.event.type === "metrics" ? e.event.step : -1));

describe("event log repository", () => {
  it("appends in order with increasing ids and reads on from any id, a page at a time", async () => {
    expect(await latestEventId(ws.db)).toBe(0);
    const first = await appendEvents(ws.db, [metrics(1), metrics(2), metrics(3)]);
    const second = await appendEvents(ws.db, [metrics(4), { type: "eval-status", runId: "run_1", status: "completed" }]);
    const ids = [...first, ...second];
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(5);
    expect(await latestEventId(ws.db)).toBe(ids[4]);

    const all = await eventsAfter(ws.db, 0);
    expect(all.events.map((e) => e.id)).toEqual(ids);
    expect(all.events[4]?.event).toEqual({ type: "eval-status", runId: "run_1", status: "completed" });
    expect(all).toMatchObject({ cursor: ids[4], full: false });

    const fromSecond = await eventsAfter(ws.db, ids[1] ?? 0, 2);
    expect(steps(fromSecond)).toEqual([3, 4]);
    expect(fromSecond).toMatchObject({ cursor: ids[3], full: true });
    const rest = await eventsAfter(ws.db, fromSecond.cursor, 2);
    expect(rest.events.map((e) => e.event.type)).toEqual(["eval-status"]);
    expect(rest.full).toBe(false);
    expect(await eventsAfter(ws.db, rest.cursor)).toEqual({ events: [], cursor: rest.cursor, full: false });
  });

  it("keeps the experiment id of an experiment's eval progress and reads a standalone run's without one", async () => {
    const progress = { done: 1, total: 2, skipped: 0, passed: 1, failed: 0, errored: 0, cacheHits: 0, retries: 0, usage: {} };
    await appendEvents(ws.db, [
      { type: "eval", experimentId: "exp_1", runId: "run_1", progress } as WorkspaceEvent,
      { type: "eval", runId: "run_2", progress } as WorkspaceEvent,
    ]);
    const { events } = await eventsAfter(ws.db, 0);
    expect(events.map((e) => e.event)).toEqual([
      { type: "eval", experimentId: "exp_1", runId: "run_1", progress },
      { type: "eval", runId: "run_2", progress },
    ]);
  });

  it("skips rows this build cannot read but moves the cursor past them", async () => {
    const [before] = await appendEvents(ws.db, [metrics(1)]);
    await ws.db
      .insertInto("events")
      .values([
        { type: "from-the-future", payload_json: JSON.stringify({ type: "from-the-future" }), created_at: new Date().toISOString() },
        { type: "metrics", payload_json: "{not json", created_at: new Date().toISOString() },
      ])
      .execute();
    const [after] = await appendEvents(ws.db, [metrics(2)]);
    const page = await eventsAfter(ws.db, 0);
    expect(page.events.map((e) => e.id)).toEqual([before, after]);
    const skipped = await eventsAfter(ws.db, before ?? 0, 2);
    expect(skipped).toMatchObject({ events: [], full: true });
    expect(skipped.cursor).toBe((after ?? 0) - 1);
  });

  it("prunes events older than the retention and beyond the newest N, and never reuses an id", async () => {
    const now = new Date("2026-05-10T12:00:00Z");
    const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();
    await appendEvents(ws.db, [metrics(1), metrics(2)], daysAgo(10));
    await appendEvents(ws.db, [metrics(3)], daysAgo(6));
    const recent = await appendEvents(ws.db, [metrics(4), metrics(5), metrics(6), metrics(7)], daysAgo(0));

    expect(await pruneEvents(ws.db, { maxAgeDays: 7, keepLast: 100 }, now)).toBe(2);
    expect(steps(await eventsAfter(ws.db, 0))).toEqual([3, 4, 5, 6, 7]);
    expect(await pruneEvents(ws.db, { maxAgeDays: 7, keepLast: 3 }, now)).toBe(2);
    expect(steps(await eventsAfter(ws.db, 0))).toEqual([5, 6, 7]);
    expect(await pruneEvents(ws.db, { maxAgeDays: 7, keepLast: 3 }, now)).toBe(0);

    // everything expired: the log is empty, yet the next event still gets a larger id than any a client saw
    expect(await pruneEvents(ws.db, { maxAgeDays: 1, keepLast: 3 }, new Date(now.getTime() + 5 * 86_400_000))).toBe(3);
    expect(await latestEventId(ws.db)).toBe(0);
    const [next] = await appendEvents(ws.db, [metrics(8)]);
    expect(next).toBeGreaterThan(recent.at(-1) ?? Number.POSITIVE_INFINITY);
  });
});
