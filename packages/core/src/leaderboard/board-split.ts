import { findDataset, listVersions } from "../datasets/dataset.repository.ts";
import { type DatasetVersion, TEST_SPLIT_NAME } from "../datasets/dataset.schema.ts";
import type { ProjectId } from "../shared/id.ts";
import type { DB } from "../storage/database.ts";
import { boardVersionRef, pickBoardVersion } from "./board-version.ts";

/** A leaderboard's test split version: `test@1`, or just its number `1`. */
export const BoardSplit = boardVersionRef(TEST_SPLIT_NAME);

/** The project's test split version `test@N` (or `N`); not_found names the versions it has. */
export async function boardSplitVersion(db: DB, project: { id: string; name: string }, ref: string): Promise<DatasetVersion> {
  const dataset = await findDataset(db, project.id as ProjectId, TEST_SPLIT_NAME);
  const versions = dataset ? await listVersions(db, dataset.id) : [];
  return pickBoardVersion(versions, (v) => v.number, ref, project, {
    noun: "test split",
    prefix: `${TEST_SPLIT_NAME}@`,
    plural: "test splits",
    none: "it has no test split yet: `tunelab split FILE --project P`",
    field: "split",
    listField: "testSplits",
  });
}
