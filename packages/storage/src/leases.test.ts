import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type openDatabase, openDatabaseAt } from "./database.ts";
import { Leases, type LeaseWhere } from "./leases.ts";
import { createPostgresDatabase, testDatabaseName } from "./postgres.ts";

interface Db {
  work: { id: string; status: string; lease_owner: string | null; lease_expires_at: number | null };
}

let db: ReturnType<typeof openDatabase<Db>>;
const row = (id: string) => db.selectFrom("work").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

// On SQLite in memory; in the Postgres test project, on a fresh PostgreSQL database.
const server = process.env.TUNELAB_TEST_POSTGRES_URL;
const location = async () => (server ? createPostgresDatabase(server, testDatabaseName()) : ":memory:");

beforeEach(async () => {
  db = openDatabaseAt<Db>(await location());
  await sql`CREATE TABLE work (id TEXT PRIMARY KEY, status TEXT NOT NULL, lease_owner TEXT, lease_expires_at BIGINT)`.execute(db);
  await db
    .insertInto("work")
    .values([
      { id: "a", status: "queued", lease_owner: null, lease_expires_at: null },
      { id: "b", status: "done", lease_owner: null, lease_expires_at: null },
    ])
    .execute();
});
afterEach(async () => {
  await db.destroy();
});

describe("leases", () => {
  it("gives a free row to one owner only, and only while its lease holds", async () => {
    const leases = Leases.on<Db, { status: string }>(db, "work");
    expect(await leases.claim("a", "p1", 60)).toBe(true);
    expect(await leases.claim("a", "p2", 60)).toBe(false);
    expect((await row("a")).lease_owner).toBe("p1");
    // the same owner takes its own row again only when asked to (a runner resuming its own work)
    expect(await leases.claim("a", "p1", 60)).toBe(false);
    expect(await leases.claim("a", "p1", 60, { reclaim: true })).toBe(true);
  });

  it("lets another owner take over a row whose lease ran out, and keeps a renewed one", async () => {
    const leases = Leases.on(db, "work");
    expect(await leases.claim("a", "dead", -1)).toBe(true); // already expired: its owner stopped renewing
    expect(await leases.claim("a", "p2", 60)).toBe(true);
    expect((await row("a")).lease_owner).toBe("p2");
    expect(await leases.renew(["a"], "p3", -1)).toEqual([]); // not p3's: nothing changes, and p3 is told so
    expect(await leases.claim("a", "p3", 60)).toBe(false);
    // p2 renews (here into the past, to see that renew wrote); of the rows it asks for, it holds only "a"
    expect(await leases.renew(["a", "b"], "p2", -1)).toEqual(["a"]);
    expect(await leases.claim("a", "p3", 60)).toBe(true);
  });

  it("claims only rows the condition allows, and sets the other columns in the same statement", async () => {
    const leases = Leases.on<Db, { status: string }>(db, "work");
    const queued: LeaseWhere<{ status: string }> = (eb) => eb("status", "=", "queued");
    const claimable = { claimable: queued };
    expect(await leases.claim("b", "p1", 60, claimable)).toBe(false);
    expect(await leases.claim("a", "p1", 60, { ...claimable, also: { status: "running" } })).toBe(true);
    expect(await row("a")).toMatchObject({ status: "running", lease_owner: "p1" });
    expect((await row("b")).lease_owner).toBeNull();
  });

  it("releases a row only for its owner", async () => {
    const leases = Leases.on(db, "work");
    await leases.claim("a", "p1", 60);
    await leases.release("a", "p2");
    expect((await row("a")).lease_owner).toBe("p1");
    await leases.release("a", "p1");
    expect(await row("a")).toMatchObject({ lease_owner: null, lease_expires_at: null });
    expect(await leases.claim("a", "p2", 60)).toBe(true);
  });
});
