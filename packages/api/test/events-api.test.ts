// GET /api/events follows the workspace's event log: events another process writes to the same database reach the
// stream as well as the server's own, each once with its log id, and a client that reconnects with Last-Event-ID
// (or ?after=) gets exactly what it missed.
import { EventLog, openDatabase, type WorkspaceEvent } from "@tunelab/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiHarness } from "./api-harness.ts";
import { readSse } from "./sse-client.ts";

let h: Awaited<ReturnType<typeof apiHarness>>;
beforeAll(async () => {
  h = await apiHarness();
});
afterAll(async () => h.dispose());

const status = (experimentId: string, message: string): WorkspaceEvent => ({ type: "status", experimentId, status: "training", message });
const messages = (frames: ReturnType<typeof readSse>) => frames.events<{ message: string }>("experiment").map((e) => e.message);

describe("GET /api/events", () => {
  it("streams another process's events and the server's own, each once, and resumes after Last-Event-ID", async () => {
    // "another process": its own connection to the workspace's database and its own event log
    const otherDb = openDatabase(h.ws.database);
    const other = new EventLog(otherDb);
    try {
      // what happened before the page opened is not replayed to a new client
      other.publish(status("exp_old", "before the page opened"));
      await other.flush();

      const first = await h.app.request("/api/events");
      expect(first.headers.get("content-type")).toMatch(/^text\/event-stream/);
      const sse = readSse(first.body as ReadableStream<Uint8Array>);
      await sse.until((f) => f.some((x) => x.event === "ready"), 30_000, "ready");

      other.publish(status("exp_cli", "cli 1"));
      other.publish({ type: "metrics", experimentId: "exp_cli", step: 1, totalSteps: 10, trainLoss: 2.5, validLoss: null });
      h.services.events.publish(status("exp_serve", "serve 1"));
      other.publish(status("exp_cli", "cli 2"));
      await other.flush();
      await sse.until((f) => f.filter((x) => x.event === "experiment").length >= 3, 30_000, "three status events");
      await sse.until((f) => f.some((x) => x.event === "metrics"), 30_000, "metrics");
      expect(messages(sse).filter((m) => m.startsWith("cli"))).toEqual(["cli 1", "cli 2"]);
      expect(messages(sse)).toContain("serve 1");
      expect(sse.events("metrics")).toEqual([
        { type: "metrics", experimentId: "exp_cli", step: 1, totalSteps: 10, trainLoss: 2.5, validLoss: null },
      ]);
      const ids = sse.frames.filter((f) => f.id !== undefined).map((f) => Number(f.id));
      expect(ids).toHaveLength(4);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      const lastSeen = ids.at(-1) ?? 0;
      await sse.close();

      // while the page is disconnected (one after the other: two processes writing at once commit in either order)
      other.publish(status("exp_cli", "missed 1"));
      await other.flush();
      h.services.events.publish(status("exp_serve", "missed 2"));
      await h.services.events.flush();

      const again = readSse(
        (await h.app.request("/api/events", { headers: { "last-event-id": String(lastSeen) } })).body as ReadableStream<Uint8Array>,
      );
      await again.until((f) => f.filter((x) => x.event === "experiment").length >= 2, 30_000, "the missed events");
      other.publish(status("exp_cli", "live again"));
      await other.flush();
      await again.until((f) => f.filter((x) => x.event === "experiment").length >= 3, 30_000, "the next live event");
      expect(messages(again)).toEqual(["missed 1", "missed 2", "live again"]);
      await again.close();

      // ?after= is the same for a client that lost its EventSource (and its Last-Event-ID)
      const replay = readSse((await h.app.request(`/api/events?after=${lastSeen}`)).body as ReadableStream<Uint8Array>);
      await replay.until((f) => f.filter((x) => x.event === "experiment").length >= 3, 30_000, "the replay");
      expect(messages(replay)).toEqual(["missed 1", "missed 2", "live again"]);
      await replay.close();
    } finally {
      await other.close();
      await otherDb.destroy();
    }
  });

  it("refuses an ?after= that is not an event id, naming the parameter", async () => {
    const { status: code, json } = await h.call("GET", "/api/events?after=yesterday");
    expect(code).toBe(400);
    expect(json.error).toMatchObject({ code: "invalid_argument" });
    expect(json.error.message).toMatch(/^after: expected an event id/);
  });

  it("an id beyond this log (a page open on another workspace served on the same port) resumes from now", async () => {
    const sse = readSse(
      (await h.app.request("/api/events", { headers: { "last-event-id": "999999999" } })).body as ReadableStream<Uint8Array>,
    );
    try {
      await sse.until((f) => f.some((x) => x.event === "ready"), 30_000, "ready");
      h.services.events.publish(status("exp_serve", "after a stale id"));
      await sse.until((f) => f.some((x) => x.event === "experiment"), 30_000, "the next event");
      expect(messages(sse)).toEqual(["after a stale id"]);
    } finally {
      await sse.close();
    }
  });

  it("streams a dataset version stored through the API", async () => {
    const sse = readSse((await h.app.request("/api/events")).body as ReadableStream<Uint8Array>);
    try {
      await sse.until((f) => f.some((x) => x.event === "ready"), 30_000, "ready");
      const line = JSON.stringify({
        messages: [
          { role: "user", content: "where is my invoice?" },
          { role: "assistant", content: "billing" },
        ],
      });
      const imported = await h.call(
        "POST",
        "/api/projects/events-p/datasets/train/versions",
        `${line}\n${line.replace("invoice", "refund")}\n`,
        {
          "content-type": "application/x-ndjson",
        },
      );
      expect(imported.status, JSON.stringify(imported.json)).toBeLessThan(300);
      await sse.until((f) => f.some((x) => x.event === "dataset-version"), 30_000, "dataset-version");
      expect(sse.events("dataset-version")).toEqual([
        expect.objectContaining({ project: "events-p", dataset: "train", ref: "train@1", exampleCount: 2 }),
      ]);
    } finally {
      await sse.close();
    }
  });
});
