import { sha256 } from "@tunelab/base";
import { canonicalJson, type DatasetFormat, exampleInput } from "@tunelab/formats";
import { findProjectByName } from "../projects/project.repository.ts";
import type { Workspace } from "../storage/workspace.ts";
import { currentTestSplit } from "./dataset.repository.ts";
import type { DatasetVersion } from "./dataset.schema.ts";
import type { TestItemInput } from "./leakage/leakage.ts";
import { loadVersionLines } from "./version-content.ts";

/** The project's current test split version and its items' inputs, or undefined when it has none. */
export async function currentTestSplitItems(
  ws: Workspace,
  projectName: string,
): Promise<{ version: DatasetVersion; items: TestItemInput[] } | undefined> {
  const project = await findProjectByName(ws.db, projectName);
  if (!project) return undefined;
  const version = await currentTestSplit(ws.db, project.id);
  if (!version) return undefined;
  return { version, items: (await loadVersionLines(ws, version)).map((line) => exampleOf(line, version.format)) };
}

/** One stored line of a version as the leakage check reads it: its value and the hash of its input. */
export function exampleOf(line: string, format: DatasetFormat): TestItemInput {
  const value = JSON.parse(line) as Record<string, unknown>;
  return { value, inputHash: sha256(canonicalJson(exampleInput(value, format))) };
}
