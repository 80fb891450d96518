import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "./database.ts";
import { migrateToLatest } from "./migrate.ts";

// The migrations are portable (PostgreSQL too); SQLite workspaces must keep exactly the schema they always had. The
// snapshot is what the shipped migrations created before they learned PostgreSQL: a change here is a schema change
// for every existing workspace, which needs a new migration instead.
const SNAPSHOT = join(import.meta.dirname, "sqlite-schema.snapshot.sql");

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tunelab-schema-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Every table and index the migrations create, as SQLite stores their DDL. */
export async function sqliteSchema(file: string): Promise<string> {
  const db = openDatabase(file);
  try {
    await migrateToLatest(db);
    const { rows } = await sql<{ sql: string | null; name: string }>`
      select name, sql from sqlite_master where name not like 'sqlite_%' order by type, name`.execute(db);
    return `${rows.map((r) => `-- ${r.name}\n${r.sql ?? "(automatic)"};`).join("\n\n")}\n`;
  } finally {
    await db.destroy();
  }
}

describe("the SQLite schema", () => {
  it("is exactly the schema the migrations have always created", async () => {
    expect(await sqliteSchema(join(dir, "tunelab.db"))).toBe(readFileSync(SNAPSHOT, "utf8"));
  });
});
