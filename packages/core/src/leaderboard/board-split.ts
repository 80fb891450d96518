import { TunelabError } from "@tunelab/base";
import { z } from "zod";
import { findDataset, listVersions } from "../datasets/dataset.repository.ts";
import { type DatasetVersion, TEST_SPLIT_NAME } from "../datasets/dataset.schema.ts";
import type { ProjectId } from "../shared/id.ts";
import type { DB } from "../storage/database.ts";

/** A leaderboard's test split version: `test@1`, or just its number `1`. */
export const BoardSplit = z
  .string()
  .max(80)
  .regex(new RegExp(`^(${TEST_SPLIT_NAME}@)?[1-9][0-9]{0,8}$`), `expected ${TEST_SPLIT_NAME}@N or N, e.g. ${TEST_SPLIT_NAME}@1`);

/** The project's test split version `test@N` (or `N`); not_found names the versions it has. */
export async function boardSplitVersion(db: DB, project: { id: string; name: string }, ref: string): Promise<DatasetVersion> {
  const number = Number(ref.slice(ref.indexOf("@") + 1));
  const dataset = await findDataset(db, project.id as ProjectId, TEST_SPLIT_NAME);
  const versions = dataset ? await listVersions(db, dataset.id) : [];
  const version = versions.find((v) => v.number === number);
  if (version) return version;
  const have = versions.length
    ? `its test splits: ${versions.map((v) => v.ref).join(", ")}`
    : "it has no test split yet: `tunelab split FILE --project P`";
  throw new TunelabError("not_found", `project ${project.name} has no test split ${TEST_SPLIT_NAME}@${number} (${have})`, {
    details: { split: ref, testSplits: versions.map((v) => v.ref) },
  });
}
