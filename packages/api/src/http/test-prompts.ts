import {
  type DatasetVersion,
  getProjectByName,
  getVersionByRef,
  listDatasets,
  listVersions,
  TEST_SPLIT_NAME,
  type Workspace,
} from "@tunelab/core";

/** A project's test split version: the one numbered, else the latest (not found when the project has none). */
export async function testSplitVersion(ws: Workspace, project: string, version: number | undefined): Promise<DatasetVersion> {
  const p = await getProjectByName(ws.db, project);
  const dataset = (await listDatasets(ws.db, p.id)).find((d) => d.name === TEST_SPLIT_NAME);
  const latest = dataset && version === undefined ? (await listVersions(ws.db, dataset.id)).at(-1) : undefined;
  return latest ?? getVersionByRef(ws.db, p.id, `${TEST_SPLIT_NAME}@${version ?? 1}`);
}
