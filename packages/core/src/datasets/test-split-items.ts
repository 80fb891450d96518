import { sha256 } from "@tunelab/base";
import { canonicalJson, type DatasetFormat, exampleInput } from "@tunelab/formats";
import { findProjectByName } from "../projects/project.repository.ts";
import type { Workspace } from "../storage/workspace.ts";
import { currentTestSplit } from "./dataset.repository.ts";
import type { DatasetVersion } from "./dataset.schema.ts";
import { listVersionImages } from "./images/dataset-image.repository.ts";
import type { ImageHashes } from "./leakage/image-keys.ts";
import type { TestItemInput } from "./leakage/leakage.ts";
import { loadVersionLines } from "./version-content.ts";

/**
 * The project's current test split version, its items' inputs and its http(s) images' content hashes, or undefined
 * when it has none.
 */
export async function currentTestSplitItems(
  ws: Workspace,
  projectName: string,
): Promise<{ version: DatasetVersion; items: TestItemInput[]; images: ImageHashes } | undefined> {
  const project = await findProjectByName(ws.db, projectName);
  if (!project) return undefined;
  const version = await currentTestSplit(ws.db, project.id);
  if (!version) return undefined;
  const items = (await loadVersionLines(ws, version)).map((line) => exampleOf(line, version.format));
  return { version, items, images: await versionImageHashes(ws, version.id) };
}

/** The content hashes of a version's http(s) images (fetched at import), by URL. */
export async function versionImageHashes(ws: Workspace, versionId: string): Promise<ImageHashes> {
  return new Map((await listVersionImages(ws.db, versionId)).map((image) => [image.url, image.contentHash]));
}

/** One stored line of a version as the leakage check reads it: its value and the hash of its input. */
export function exampleOf(line: string, format: DatasetFormat): TestItemInput {
  const value = JSON.parse(line) as Record<string, unknown>;
  return { value, inputHash: sha256(canonicalJson(exampleInput(value, format))) };
}
