// The event bus across processes: two EventLogs on two connections to one SQLite file (as `serve` and a CLI process
// have), each event delivered once and in order to every subscriber, replay from an id, and nothing read when no one
// listens.
import { join } from "node:path";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type DB, openDatabase } from "../storage/database.ts";
import { tempWorkspace } from "../test-support/temp-workspace.ts";
import { testPostgresServer } from "../test-support/test-database.ts";
import { eventsAfter } from "./event.repository.ts";
import { EventLog } from "./event-log.ts";
import type { LoggedEvent, WorkspaceEvent } from "./workspace-event.schema.ts";

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let otherDb: DB;
beforeEach(async () => {
  ws = await tempWorkspace();
  otherDb = openDatabase(ws.database);
});
afterEach(async () => {
  await otherDb.destroy();
  await ws.dispose();
});

const status = (experimentId: string, message: string): WorkspaceEvent => ({ type: "status", experimentId, status: "training", message });
const messages = (events: LoggedEvent[]) => events.map((e) => (e.event.type === "status" ? e.event.message : e.event.type));

/** Resolves once `events` holds `count` entries (the tail reads every few ms here). */
async function until(events: unknown[], count: number): Promise<void> {
  for (let i = 0; i < 2_000 && events.length < count; i++) await new Promise((r) => setTimeout(r, 5));
}

describe("EventLog across two connections to one workspace", () => {
  it("a subscriber sees another connection's events and its own, each once, in log order", async () => {
    const serve = new EventLog(ws.db, { pollMs: 10 });
    const cli = new EventLog(otherDb, { pollMs: 10 });
    const seen: LoggedEvent[] = [];
    const off = serve.subscribe((e) => seen.push(e), await serve.latestId());
    try {
      for (let i = 0; i < 30; i++) cli.publish(status("exp_cli", `cli ${i}`));
      serve.publish(status("exp_serve", "serve 0"));
      await cli.flush();
      for (let i = 30; i < 60; i++) cli.publish(status("exp_cli", `cli ${i}`));
      serve.publish(status("exp_serve", "serve 1"));
      await Promise.all([cli.flush(), serve.flush()]);
      await until(seen, 62);
      // settle a few more reads: nothing arrives twice
      await new Promise((r) => setTimeout(r, 60));
      expect(seen).toHaveLength(62);
      const ids = seen.map((e) => e.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(62);
      // one log, one order: what the subscriber saw is exactly what is stored
      expect(ids).toEqual((await eventsAfter(ws.db, 0)).events.map((e) => e.id));
      const cliMessages = messages(seen).filter((m) => m.startsWith("cli"));
      expect(cliMessages).toEqual(Array.from({ length: 60 }, (_, i) => `cli ${i}`));
      expect(messages(seen).filter((m) => m.startsWith("serve"))).toEqual(["serve 0", "serve 1"]);
    } finally {
      off();
      await cli.close();
      await serve.close();
    }
  });

  it("a subscriber that resumes after an id gets what came after it, page by page, then follows live", async () => {
    const writer = new EventLog(otherDb, { pollMs: 10 });
    for (let i = 0; i < 1_234; i++) writer.publish(status("exp_1", `m ${i}`));
    await writer.flush();
    const stored = (await eventsAfter(ws.db, 0, 5_000)).events;
    const resumeAfter = stored[99]?.id ?? 0;

    const reader = new EventLog(ws.db, { pollMs: 10, pageSize: 100 });
    const seen: LoggedEvent[] = [];
    const late: LoggedEvent[] = [];
    const offSeen = reader.subscribe((e) => seen.push(e), resumeAfter);
    const offLate = reader.subscribe((e) => late.push(e), await reader.latestId());
    try {
      await until(seen, 1_134);
      writer.publish(status("exp_1", "after the replay"));
      await writer.flush();
      await until(seen, 1_135);
      await until(late, 1);
      await new Promise((r) => setTimeout(r, 60));
      expect(messages(seen)).toEqual([...Array.from({ length: 1_134 }, (_, i) => `m ${i + 100}`), "after the replay"]);
      expect(messages(late)).toEqual(["after the replay"]);
    } finally {
      offSeen();
      offLate();
      await writer.close();
      await reader.close();
    }
  });

  // PostgreSQL only (SQLite has no notifications; its readers poll, as the tests above check)
  it.runIf(testPostgresServer() !== undefined)(
    "on PostgreSQL, another connection's appends wake the tail at once (LISTEN/NOTIFY)",
    async () => {
      // no poll would come within the test's time: only a notification can deliver these
      const serve = new EventLog(ws.db, { pollMs: 3_600_000, notifiedPollMs: 3_600_000 });
      const worker = new EventLog(otherDb);
      const seen: LoggedEvent[] = [];
      const off = serve.subscribe((e) => seen.push(e), await serve.latestId());
      try {
        // the first read (at subscribe) and the LISTEN are in place before the worker writes
        await new Promise((r) => setTimeout(r, 200));
        for (let i = 0; i < 3; i++) worker.publish(status("exp_worker", `step ${i}`));
        await worker.flush();
        await until(seen, 3);
        expect(messages(seen)).toEqual(["step 0", "step 1", "step 2"]);
      } finally {
        off();
        await worker.close();
        await serve.close();
      }
    },
  );

  it.runIf(testPostgresServer() !== undefined)("on PostgreSQL, a lost LISTEN connection is reported and the tail polls again", async () => {
    const errors: unknown[] = [];
    const serve = new EventLog(ws.db, { pollMs: 20, notifiedPollMs: 3_600_000, onError: (e) => errors.push(e) });
    const worker = new EventLog(otherDb);
    const seen: LoggedEvent[] = [];
    const off = serve.subscribe((e) => seen.push(e), await serve.latestId());
    try {
      await new Promise((r) => setTimeout(r, 200));
      // the server ends the listening connection (a restart, a network cut)
      await sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query like 'LISTEN%'`.execute(
        otherDb,
      );
      for (let i = 0; i < 100 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(errors.length).toBe(1);
      worker.publish(status("exp_worker", "after the cut"));
      await worker.flush();
      await until(seen, 1);
      expect(messages(seen)).toEqual(["after the cut"]);
    } finally {
      off();
      await worker.close();
      await serve.close();
    }
  });

  it("keeps the log within its retention as it writes", async () => {
    const writer = new EventLog(ws.db, { retention: { maxAgeDays: 7, keepLast: 50 }, pruneEvery: 100 });
    for (let i = 0; i < 1_000; i++) writer.publish(status("exp_1", `m ${i}`));
    await writer.close();
    const left = (await eventsAfter(ws.db, 0, 5_000)).events;
    // pruned at most 100 writes ago: between keepLast and keepLast + pruneEvery + one batch remain, the newest ones
    expect(left.length).toBeGreaterThanOrEqual(50);
    expect(left.length).toBeLessThan(50 + 100 + 200);
    expect(messages(left).at(-1)).toBe("m 999");
  });

  it("reports a write that failed instead of throwing from publish", async () => {
    const errors: unknown[] = [];
    // a database without the events table (never migrated): every write fails
    const bare = openDatabase(join(ws.home, "bare.db"));
    try {
      const log = new EventLog(bare, { onError: (e) => errors.push(e) });
      expect(() => log.publish(status("exp_1", "lost"))).not.toThrow();
      await log.close();
      expect(String(errors[0])).toMatch(/no such table: events/);
    } finally {
      await bare.destroy();
    }
  });
});
