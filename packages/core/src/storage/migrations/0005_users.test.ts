import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterEach, expect, it } from "vitest";
import { openDatabase } from "../database.ts";
import { migrateToLatest } from "../migrate.ts";
import * as m0001 from "./0001_initial.ts";
import * as m0002 from "./0002_experiments.ts";
import * as m0003 from "./0003_events.ts";
import * as m0004 from "./0004_trials.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

it("adds users and a nullable created_by: rows stored before it have no creator; down removes both", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tunelab-0005-"));
  dirs.push(dir);
  const db = openDatabase(join(dir, "db.sqlite"));
  try {
    const before = { "0001_initial": m0001, "0002_experiments": m0002, "0003_events": m0003, "0004_trials": m0004 };
    await migrateToLatest(db, before);
    await sql`insert into projects (id, name, description, created_at) values ('proj_1', 'p', '', '2026-01-01')`.execute(db);
    await sql`insert into datasets (id, project_id, name, role, created_at) values ('ds_1', 'proj_1', 'train', 'train', '2026-01-01')`.execute(
      db,
    );
    await sql`insert into dataset_versions (id, dataset_id, number, parent_id, content_hash, format, example_count, byte_size, message, source, stats_json, report_json, created_at)
      values ('dsv_1', 'ds_1', 1, null, 'h', 'supervised', 0, 0, '', 'f', '{}', '{}', '2026-01-01')`.execute(db);
    await migrateToLatest(db);
    const version = await db.selectFrom("dataset_versions").select(["id", "created_by"]).executeTakeFirstOrThrow();
    expect(version).toEqual({ id: "dsv_1", created_by: null });
    const columns = async (table: string) =>
      (await sql<{ name: string }>`select name from pragma_table_info(${table})`.execute(db)).rows.map((r) => r.name);
    expect(await columns("experiments")).toContain("created_by");
    expect(await columns("users")).toEqual(["id", "name", "role", "token_hash", "session_hash", "created_at", "last_used_at"]);
    const { down } = await import("./0005_users.ts");
    await down(db as never);
    expect(await columns("users")).toEqual([]);
    expect(await columns("dataset_versions")).not.toContain("created_by");
  } finally {
    await db.destroy();
  }
});
