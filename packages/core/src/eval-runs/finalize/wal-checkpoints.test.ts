// While a large eval run stores its samples, its main connection makes no WAL checkpoints (they fsync on the thread that
// commits); the run's finalize worker checkpoints from its own connection instead, and the setting comes back after.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withSqlite } from "@tunelab/storage";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../storage/database.ts";
import { startFinalizeWorker } from "./off-thread.ts";
import { pauseAutoCheckpoints } from "./wal-checkpoints.ts";

let dir: string;
let file: string;
let db: ReturnType<typeof openDatabase<{ t: { v: string } }>>;
const autocheckpoint = async () => withSqlite(db, (sqlite) => sqlite.pragma("wal_autocheckpoint", { simple: true }));

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "tunelab-wal-"));
  file = join(dir, "t.db");
  db = openDatabase(file);
  await sql`CREATE TABLE t (v TEXT NOT NULL)`.execute(db);
});
afterEach(async () => {
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe("WAL checkpoints during a large run", () => {
  it("pauses the connection's automatic checkpoints until the last run that paused them resumes", async () => {
    expect(await autocheckpoint()).toBe(1000);
    const first = await pauseAutoCheckpoints(db);
    const second = await pauseAutoCheckpoints(db);
    expect(await autocheckpoint()).toBe(0);
    await first?.resume();
    await first?.resume(); // once only
    expect(await autocheckpoint()).toBe(0);
    await second?.resume();
    expect(await autocheckpoint()).toBe(1000);
  });

  it("the finalize worker checkpoints what this connection commits meanwhile", async () => {
    const paused = await pauseAutoCheckpoints(db);
    const before = statSync(file).size;
    const row = "x".repeat(2000);
    for (let batch = 0; batch < 20; batch++)
      await db
        .insertInto("t")
        .values(Array.from({ length: 50 }, () => ({ v: row })))
        .execute();
    expect(statSync(`${file}-wal`).size).toBeGreaterThan(1_000_000);
    expect(statSync(file).size).toBe(before); // nothing checkpointed by this connection
    const worker = startFinalizeWorker({ checkpoint: file });
    try {
      await expect.poll(() => statSync(file).size, { timeout: 30_000, interval: 100 }).toBeGreaterThan(1_000_000);
    } finally {
      worker.close();
      await paused?.resume();
    }
  }, 60_000);
});
