import { TunelabError } from "@tunelab/base";
import type { DatasetFormat } from "@tunelab/formats";
import type { DatasetId, DatasetVersionId, ProjectId } from "../shared/id.ts";
import { newId } from "../shared/id.ts";
import { nowIso } from "../shared/time.ts";
import type { DB } from "../storage/database.ts";
import { type Dataset, type DatasetRole, type DatasetVersion, parseDatasetRef, TEST_SPLIT_NAME } from "./dataset.schema.ts";
import type { DatasetExampleRow, DatasetRow, DatasetVersionRow, DatasetVersionTable } from "./dataset.table.ts";

function toDataset(row: DatasetRow): Dataset {
  return {
    id: row.id as DatasetId,
    projectId: row.project_id as ProjectId,
    name: row.name,
    role: row.role as DatasetRole,
    createdAt: row.created_at,
  };
}

function toVersion(row: DatasetVersionRow & { name: string }): DatasetVersion {
  return {
    id: row.id as DatasetVersionId,
    datasetId: row.dataset_id as DatasetId,
    name: row.name,
    number: row.number,
    ref: `${row.name}@${row.number}`,
    parentId: row.parent_id as DatasetVersionId | null,
    contentHash: row.content_hash,
    format: row.format as DatasetFormat,
    exampleCount: row.example_count,
    byteSize: row.byte_size,
    message: row.message,
    source: row.source,
    stats: JSON.parse(row.stats_json),
    report: JSON.parse(row.report_json),
    createdAt: row.created_at,
    createdBy: row.created_by,
  };
}

export async function findDataset(db: DB, projectId: ProjectId, name: string): Promise<Dataset | undefined> {
  const row = await db.selectFrom("datasets").selectAll().where("project_id", "=", projectId).where("name", "=", name).executeTakeFirst();
  return row && toDataset(row);
}

export async function insertDataset(db: DB, projectId: ProjectId, name: string, role: DatasetRole): Promise<Dataset> {
  const row: DatasetRow = { id: newId("ds"), project_id: projectId, name, role, created_at: nowIso() };
  await db.insertInto("datasets").values(row).execute();
  return toDataset(row);
}

export async function listDatasets(db: DB, projectId: ProjectId): Promise<Dataset[]> {
  const rows = await db.selectFrom("datasets").selectAll().where("project_id", "=", projectId).orderBy("role").orderBy("name").execute();
  return rows.map(toDataset);
}

function versionQuery(db: DB) {
  return db
    .selectFrom("dataset_versions")
    .innerJoin("datasets", "datasets.id", "dataset_versions.dataset_id")
    .selectAll("dataset_versions")
    .select("datasets.name");
}

export async function listVersions(db: DB, datasetId: DatasetId): Promise<DatasetVersion[]> {
  const rows = await versionQuery(db).where("dataset_versions.dataset_id", "=", datasetId).orderBy("dataset_versions.number").execute();
  return rows.map(toVersion);
}

export async function latestVersion(db: DB, datasetId: DatasetId): Promise<DatasetVersion | undefined> {
  const row = await versionQuery(db)
    .where("dataset_versions.dataset_id", "=", datasetId)
    .orderBy("dataset_versions.number", "desc")
    .limit(1)
    .executeTakeFirst();
  return row && toVersion(row);
}

/** The project's current test split version (the latest `test@N`), or undefined when it has none. */
export async function currentTestSplit(db: DB, projectId: string): Promise<DatasetVersion | undefined> {
  const dataset = await findDataset(db, projectId as ProjectId, TEST_SPLIT_NAME);
  return dataset && (await latestVersion(db, dataset.id));
}

export async function findVersionByHash(db: DB, datasetId: DatasetId, contentHash: string): Promise<DatasetVersion | undefined> {
  const row = await versionQuery(db)
    .where("dataset_versions.dataset_id", "=", datasetId)
    .where("dataset_versions.content_hash", "=", contentHash)
    .executeTakeFirst();
  return row && toVersion(row);
}

/** Resolves `NAME@N` (or `NAME` = latest) in a project, with an error that lists what exists. */
export async function getVersionByRef(db: DB, projectId: ProjectId, ref: string): Promise<DatasetVersion> {
  const { name, number } = parseDatasetRef(ref);
  const dataset = await findDataset(db, projectId, name);
  if (!dataset) {
    const names = (await listDatasets(db, projectId)).map((d) => d.name);
    throw new TunelabError("not_found", `no dataset "${name}" in this project${names.length ? ` (datasets: ${names.join(", ")})` : ""}`);
  }
  const version =
    number === undefined
      ? await latestVersion(db, dataset.id)
      : await versionQuery(db)
          .where("dataset_versions.dataset_id", "=", dataset.id)
          .where("dataset_versions.number", "=", number)
          .executeTakeFirst()
          .then((r) => r && toVersion(r));
  if (!version) {
    const latest = await latestVersion(db, dataset.id);
    throw new TunelabError("not_found", `no version ${ref}${latest ? ` (latest is ${latest.ref})` : " (it has no versions)"}`);
  }
  return version;
}

export interface NewVersion {
  datasetId: DatasetId;
  contentHash: string;
  format: DatasetFormat;
  byteSize: number;
  message: string;
  source: string;
  stats: unknown;
  report: unknown;
  /** The example index in order: an array, or anything that slices into one (ExampleHashes). */
  /** Who creates it: a user's name, or the OS user of a CLI command. */
  createdBy?: string | undefined;
  examples: { readonly length: number; slice(start: number, end: number): ReadonlyArray<{ hash: string; inputHash: string }> };
}

const EXAMPLE_BATCH = 2_000;

/** Inserts the next version of a dataset and its example index. Call inside a transaction. */
export async function insertVersion(db: DB, input: NewVersion): Promise<DatasetVersion> {
  const parent = await db
    .selectFrom("dataset_versions")
    .select(["id", "number"])
    .where("dataset_id", "=", input.datasetId)
    .orderBy("number", "desc")
    .limit(1)
    .executeTakeFirst();
  const row: DatasetVersionTable = {
    id: newId("dsv"),
    dataset_id: input.datasetId,
    number: (parent?.number ?? 0) + 1,
    parent_id: parent?.id ?? null,
    content_hash: input.contentHash,
    format: input.format,
    example_count: input.examples.length,
    byte_size: input.byteSize,
    message: input.message,
    source: input.source,
    stats_json: JSON.stringify(input.stats),
    report_json: JSON.stringify(input.report),
    created_at: nowIso(),
    created_by: input.createdBy ?? null,
  };
  await db.insertInto("dataset_versions").values(row).execute();
  for (let start = 0; start < input.examples.length; start += EXAMPLE_BATCH) {
    const batch = input.examples.slice(start, start + EXAMPLE_BATCH).map((e, i) => ({
      version_id: row.id,
      position: start + i,
      hash: e.hash,
      input_hash: e.inputHash,
    }));
    await db.insertInto("dataset_examples").values(batch).execute();
  }
  const name = (await db.selectFrom("datasets").select("name").where("id", "=", input.datasetId).executeTakeFirstOrThrow()).name;
  return toVersion({ ...row, name });
}

export async function exampleIndex(db: DB, versionId: DatasetVersionId): Promise<DatasetExampleRow[]> {
  return db.selectFrom("dataset_examples").selectAll().where("version_id", "=", versionId).orderBy("position").execute();
}

/** Positions in `from` whose example hash is absent from `other` (examples removed going from `from` to `other`). */
export async function positionsMissingFrom(db: DB, from: DatasetVersionId, other: DatasetVersionId): Promise<DatasetExampleRow[]> {
  return db
    .selectFrom("dataset_examples as e")
    .selectAll("e")
    .where("e.version_id", "=", from)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("dataset_examples as o").select("o.position").where("o.version_id", "=", other).whereRef("o.hash", "=", "e.hash"),
        ),
      ),
    )
    .orderBy("e.position")
    .execute();
}

export async function findVersionById(db: DB, id: string): Promise<DatasetVersion | undefined> {
  const row = await versionQuery(db).where("dataset_versions.id", "=", id).executeTakeFirst();
  return row && toVersion(row);
}
