import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type openDatabase, openDatabaseAt } from "./database.ts";
import { eachRow } from "./each-row.ts";
import { createPostgresDatabase, testDatabaseName } from "./postgres.ts";

interface Db {
  t: { run: string; position: number; label: string | null };
}

let db: ReturnType<typeof openDatabase<Db>>;

// On SQLite in memory (better-sqlite3's iterator); in the Postgres test project, on a fresh PostgreSQL database.
const server = process.env.TUNELAB_TEST_POSTGRES_URL;
const location = async () => (server ? createPostgresDatabase(server, testDatabaseName()) : ":memory:");

beforeEach(async () => {
  db = openDatabaseAt<Db>(await location());
  await sql`CREATE TABLE t (run TEXT NOT NULL, position INTEGER NOT NULL, label TEXT)`.execute(db);
  const rows = Array.from({ length: 250 }, (_, i) => ({
    run: i % 2 === 0 ? "a" : "b",
    position: (i * 37) % 250,
    label: i % 5 === 0 ? null : `x${i}`,
  }));
  await db.insertInto("t").values(rows).execute();
});
afterEach(async () => {
  await db.destroy();
});

describe("eachRow", () => {
  it("visits the rows execute gives, in the query's order, with its parameters", async () => {
    const query = db.selectFrom("t").select(["position", "label"]).where("run", "=", "b").orderBy("position");
    const seen: { position: number; label: string | null }[] = [];
    await eachRow(db, query, (row) => seen.push(row));
    expect(seen).toHaveLength(125);
    expect(seen).toEqual(await query.execute());
    expect(seen.map((r) => r.position)).toEqual([...seen.map((r) => r.position)].sort((x, y) => x - y));
  });

  it("reads inside a transaction too (from one execute there)", async () => {
    const positions = await db.transaction().execute(async (trx) => {
      await trx.insertInto("t").values({ run: "c", position: 1, label: null }).execute();
      const found: number[] = [];
      await eachRow<Db, { position: number }>(trx, trx.selectFrom("t").select("position").where("run", "=", "c"), (row) =>
        found.push(row.position),
      );
      return found;
    });
    expect(positions).toEqual([1]);
  });

  it("visits nothing for an empty result, and lets an error of the visitor through", async () => {
    let visits = 0;
    await eachRow(db, db.selectFrom("t").select("position").where("run", "=", "none"), () => visits++);
    expect(visits).toBe(0);
    const failing = eachRow(db, db.selectFrom("t").select("position"), () => {
      throw new Error("stop");
    });
    await expect(failing).rejects.toThrow("stop");
    // the connection is free again
    expect((await db.selectFrom("t").select("position").where("run", "=", "a").execute()).length).toBe(125);
  });
});
