import {
  type DatasetVersion,
  getProjectByName,
  getVersionByRef,
  listDatasets,
  listVersions,
  TEST_SPLIT_NAME,
  type Workspace,
} from "@tunelab/core";
import { type EvalItem, textOf } from "@tunelab/evals";

/** A project's test split version: the one numbered, else the latest (not found when the project has none). */
export async function testSplitVersion(ws: Workspace, project: string, version: number | undefined): Promise<DatasetVersion> {
  const p = await getProjectByName(ws.db, project);
  const dataset = (await listDatasets(ws.db, p.id)).find((d) => d.name === TEST_SPLIT_NAME);
  const latest = dataset && version === undefined ? (await listVersions(ws.db, dataset.id)).at(-1) : undefined;
  return latest ?? getVersionByRef(ws.db, p.id, `${TEST_SPLIT_NAME}@${version ?? 1}`);
}

/** What the model is asked: the last user message of the item's prompt (the messages before its last assistant message). */
export function promptText(item: EvalItem | undefined): string {
  return textOf(item?.input.messages.findLast((m) => m.role === "user")?.content);
}
