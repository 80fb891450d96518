import type { GraderConfig } from "@tunelab/evals";
import { newId } from "../shared/id.ts";
import { nowIso } from "../shared/time.ts";
import type { DB } from "../storage/database.ts";
import type { GraderSet } from "./grader-set.schema.ts";
import type { GraderSetRow } from "./grader-set.table.ts";

function toGraderSet(row: GraderSetRow): GraderSet {
  return {
    id: row.id,
    projectId: row.project_id,
    version: row.version,
    ref: `graders@${row.version}`,
    contentHash: row.content_hash,
    graders: JSON.parse(row.graders_json) as GraderConfig[],
    primaryMetric: row.primary_metric,
    createdAt: row.created_at,
  };
}

/** The project's current grader set: the one made current last (a new version, or an earlier one made current again). */
export async function currentGraderSet(db: DB, projectId: string): Promise<GraderSet | undefined> {
  const row = await db
    .selectFrom("grader_sets")
    .selectAll()
    .where("project_id", "=", projectId)
    .orderBy("current_seq", "desc")
    .limit(1)
    .executeTakeFirst();
  return row && toGraderSet(row);
}

export async function findGraderSet(db: DB, id: string): Promise<GraderSet | undefined> {
  const row = await db.selectFrom("grader_sets").selectAll().where("id", "=", id).executeTakeFirst();
  return row && toGraderSet(row);
}

/** The primary metric of a grader set (the grader that ranks and gates), or undefined when there is no such set. */
export async function primaryMetricOf(db: DB, graderSetId: string): Promise<string | undefined> {
  const row = await db.selectFrom("grader_sets").select("primary_metric").where("id", "=", graderSetId).executeTakeFirst();
  return row?.primary_metric;
}

export async function findGraderSetByHash(db: DB, projectId: string, contentHash: string): Promise<GraderSet | undefined> {
  const row = await db
    .selectFrom("grader_sets")
    .selectAll()
    .where("project_id", "=", projectId)
    .where("content_hash", "=", contentHash)
    .executeTakeFirst();
  return row && toGraderSet(row);
}

export async function listGraderSets(db: DB, projectId: string): Promise<GraderSet[]> {
  const rows = await db.selectFrom("grader_sets").selectAll().where("project_id", "=", projectId).orderBy("version").execute();
  return rows.map(toGraderSet);
}

export async function insertGraderSet(
  db: DB,
  input: { projectId: string; contentHash: string; graders: GraderConfig[]; primaryMetric: string },
): Promise<GraderSet> {
  const last = await db
    .selectFrom("grader_sets")
    .select((eb) => [eb.fn.max("version").as("version"), eb.fn.max("current_seq").as("seq")])
    .where("project_id", "=", input.projectId)
    .executeTakeFirst();
  const row: GraderSetRow = {
    id: newId("gs"),
    project_id: input.projectId,
    version: Number(last?.version ?? 0) + 1,
    current_seq: Number(last?.seq ?? 0) + 1,
    content_hash: input.contentHash,
    graders_json: JSON.stringify(input.graders),
    primary_metric: input.primaryMetric,
    created_at: nowIso(),
  };
  await db.insertInto("grader_sets").values(row).execute();
  return toGraderSet(row);
}

/** Makes an earlier grader set current again (its eval runs rank again). Call inside the grader sets' write lock. */
export async function makeGraderSetCurrent(db: DB, set: GraderSet): Promise<void> {
  const last = await db
    .selectFrom("grader_sets")
    .select((eb) => eb.fn.max("current_seq").as("seq"))
    .where("project_id", "=", set.projectId)
    .executeTakeFirst();
  await db
    .updateTable("grader_sets")
    .set({ current_seq: Number(last?.seq ?? 0) + 1 })
    .where("id", "=", set.id)
    .execute();
}
