import { createServer } from "node:net";
import { type Generated, sql } from "kysely";
import { describe, expect, it } from "vitest";
import { openDatabaseAt } from "./database.ts";
import { bigintType, inCommitOrder, isPostgres, jsonArrayContains, storableText } from "./dialect.ts";
import { applyMigrations } from "./migrate.ts";
import { createPostgresDatabase, isPostgresUrl, redactUrl, testDatabaseName } from "./postgres.ts";

/** A port on 127.0.0.1 that nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolvePort) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === "object" && address ? address.port : 1));
    });
  });
}

describe("choosing the backend by location", () => {
  it("reads postgres:// and postgresql:// URLs as PostgreSQL and anything else as a SQLite file", async () => {
    expect(isPostgresUrl("postgres://u@h/db")).toBe(true);
    expect(isPostgresUrl("postgresql://u@h/db")).toBe(true);
    expect(isPostgresUrl("/home/me/.tunelab/tunelab.db")).toBe(false);
    const db = openDatabaseAt(":memory:");
    expect(isPostgres(db)).toBe(false);
    await db.destroy();
  });

  it("hides the password of a URL it prints", () => {
    expect(redactUrl("postgres://tune:s3cret@db.internal:5432/tunelab")).toBe("postgres://tune:***@db.internal:5432/tunelab");
    expect(redactUrl("postgres://tune@db.internal/tunelab")).toBe("postgres://tune@db.internal/tunelab");
  });

  it("names the server (without its password) when it cannot be reached", async () => {
    const url = `postgres://tune:s3cret@127.0.0.1:${await closedPort()}/tunelab`;
    const db = openDatabaseAt(url);
    try {
      const failure = await sql`select 1`.execute(db).catch((error: unknown) => error);
      expect(failure).toMatchObject({ code: "io_error" });
      const message = (failure as Error).message;
      expect(message).toContain(`postgres://tune:***@127.0.0.1:`);
      expect(message).not.toContain("s3cret");
      // opening a workspace migrates first: the same error, not a "migration failed"
      await expect(applyMigrations(db, {})).rejects.toMatchObject({ code: "io_error", message });
    } finally {
      await db.destroy();
    }
  });
});

const server = process.env.TUNELAB_TEST_POSTGRES_URL;
const freshDatabase = () => createPostgresDatabase(server as string, testDatabaseName());

describe.skipIf(!server)("PostgreSQL (the Postgres test project)", () => {
  it("returns 64-bit integers, counts, sums and averages as numbers, and finds strings in JSON arrays", async () => {
    const db = openDatabaseAt<{ t: { ms: number; tags: string } }>(await freshDatabase());
    try {
      expect(isPostgres(db)).toBe(true);
      await db.schema.createTable("t").addColumn("ms", bigintType(db)).addColumn("tags", "text").execute();
      const ms = 1_780_000_000_123; // a time in ms: more than int4 holds
      await db
        .insertInto("t")
        .values([
          { ms, tags: '["a","b"]' },
          { ms: 1, tags: "[]" },
        ])
        .execute();
      const row = await db
        .selectFrom("t")
        .select((eb) => [eb.fn.countAll().as("n"), eb.fn.sum("ms").as("total"), eb.fn.avg("ms").as("mean"), eb.fn.max("ms").as("top")])
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ n: 2, total: ms + 1, mean: (ms + 1) / 2, top: ms });
      const tagged = await db
        .selectFrom("t")
        .select("ms")
        .where(jsonArrayContains(db, "tags", "b"))
        .execute();
      expect(tagged).toEqual([{ ms }]);
      // text with a NUL (a sampled model output may have one) is stored, with U+FFFD in its place
      await db
        .insertInto("t")
        .values({ ms: 2, tags: storableText(db, "a\u0000b") })
        .execute();
      expect(await db.selectFrom("t").select("tags").where("ms", "=", 2).executeTakeFirst()).toEqual({ tags: "a\uFFFDb" });
    } finally {
      await db.destroy();
    }
  });

  it("commits appends in id order: a second writer waits for the first to commit (inCommitOrder)", async () => {
    const db = openDatabaseAt<{ log: { id: Generated<number>; text: string } }>(await freshDatabase());
    try {
      await sql`create table log (id bigserial primary key, text text not null)`.execute(db);
      let release = () => {};
      const gate = new Promise<void>((resolveGate) => {
        release = resolveGate;
      });
      let firstInserted = () => {};
      const inserted = new Promise<void>((resolveInserted) => {
        firstInserted = resolveInserted;
      });
      const first = inCommitOrder(db, 42, async (trx) => {
        await trx.insertInto("log").values({ text: "first" }).execute();
        firstInserted();
        await gate; // holds its transaction open
      });
      await inserted;
      const second = inCommitOrder(db, 42, (trx) => trx.insertInto("log").values({ text: "second" }).execute());
      // the second writer waits on the lock (without it, it would commit id 2 while id 1 is still uncommitted)
      await expect
        .poll(async () => {
          const { rows } = await sql<{ n: number }>`select count(*) as n from pg_locks where locktype = 'advisory' and not granted`.execute(
            db,
          );
          return rows[0]?.n;
        })
        .toBe(1);
      expect(await db.selectFrom("log").select("text").execute()).toEqual([]);
      release();
      await Promise.all([first, second]);
      expect(await db.selectFrom("log").select(["id", "text"]).orderBy("id").execute()).toEqual([
        { id: 1, text: "first" },
        { id: 2, text: "second" },
      ]);
    } finally {
      await db.destroy();
    }
  });
});
