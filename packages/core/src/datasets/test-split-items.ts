import { sha256 } from "@tunelab/base";
import { canonicalJson, exampleInput } from "@tunelab/formats";
import { findProjectByName } from "../projects/project.repository.ts";
import type { Workspace } from "../storage/workspace.ts";
import { findDataset, latestVersion } from "./dataset.repository.ts";
import { type DatasetVersion, TEST_SPLIT_NAME } from "./dataset.schema.ts";
import type { TestItemInput } from "./leakage/leakage.ts";
import { readVersionLines } from "./version-content.ts";

/** The project's current test split version and its items' inputs, or undefined when it has none. */
export async function currentTestSplit(
  ws: Workspace,
  projectName: string,
): Promise<{ version: DatasetVersion; items: TestItemInput[] } | undefined> {
  const project = await findProjectByName(ws.db, projectName);
  if (!project) return undefined;
  const dataset = await findDataset(ws.db, project.id, TEST_SPLIT_NAME);
  const version = dataset && (await latestVersion(ws.db, dataset.id));
  if (!version) return undefined;
  const items = readVersionLines(ws, version).map((line) => {
    const value = JSON.parse(line) as Record<string, unknown>;
    return { value, inputHash: sha256(canonicalJson(exampleInput(value, version.format))) };
  });
  return { version, items };
}
