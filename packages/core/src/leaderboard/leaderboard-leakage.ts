import type { DB } from "../storage/database.ts";

/**
 * How many examples of each training version are items of the test split (the same input, as the import's exact
 * leakage check compares them): a version stored before the split keeps them (versions are immutable), and an
 * experiment trained on it is scored on items it trained on. Read from the stored input hashes, driven by the test
 * split's items (indexed by version and input hash), so it costs the same whatever the training data's size. Only the
 * versions with such examples are in the map. Near duplicates need the versions' text and are left to the warnings of
 * `tunelab split` and `tunelab data import`.
 */
export async function leakedExamplesByVersion(
  db: DB,
  testSplitVersionId: string,
  trainingVersionIds: readonly string[],
): Promise<Map<string, number>> {
  const ids = [...new Set(trainingVersionIds)].filter((id) => id !== testSplitVersionId);
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom("dataset_examples as t")
    .innerJoin("dataset_examples as e", "e.input_hash", "t.input_hash")
    .select(({ fn }) => ["e.version_id", fn.count<number | string>("e.position").distinct().as("examples")])
    .where("t.version_id", "=", testSplitVersionId)
    .where("e.version_id", "in", ids)
    .groupBy("e.version_id")
    .execute();
  return new Map(rows.map((row) => [row.version_id, Number(row.examples)]));
}
