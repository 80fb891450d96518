// withSqlite hands hot paths the better-sqlite3 handle of a SQLite database while holding kysely's only connection, so
// a transaction of the same database never interleaves with their statements; any other database gets undefined.
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase, withSqlite } from "./database.ts";

interface Db {
  t: { n: number };
}

let db: ReturnType<typeof openDatabase<Db>>;

beforeEach(async () => {
  db = openDatabase<Db>(":memory:");
  await sql`CREATE TABLE t (n INTEGER NOT NULL)`.execute(db);
});
afterEach(async () => {
  await db.destroy();
});

describe("withSqlite", () => {
  it("runs work on the handle of a SQLite database, after a transaction in progress has committed", async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const transaction = db.transaction().execute(async (trx) => {
      await trx.insertInto("t").values({ n: 1 }).execute();
      await held; // the transaction stays open while withSqlite is asked
      await trx.insertInto("t").values({ n: 2 }).execute();
    });
    await new Promise((resolve) => setImmediate(resolve));
    const seen = withSqlite(db, (sqlite) => {
      const rows = sqlite.prepare("SELECT n FROM t ORDER BY n").all() as { n: number }[];
      sqlite.prepare("INSERT INTO t (n) VALUES (?)").run(3);
      return { rows: rows.map((r) => r.n), inTransaction: sqlite.inTransaction };
    });
    release();
    await transaction;
    expect(await seen).toEqual({ rows: [1, 2], inTransaction: false }); // it waited for the commit
    expect((await db.selectFrom("t").select("n").orderBy("n").execute()).map((r) => r.n)).toEqual([1, 2, 3]);
  });

  it("gives undefined (work not called) for a transaction: callers take kysely's portable path", async () => {
    let called = false;
    await db.transaction().execute(async (trx) => {
      expect(
        await withSqlite<Db, void>(trx, () => {
          called = true;
        }),
      ).toBeUndefined();
    });
    expect(called).toBe(false);
  });
});
