import { type EvalItem, toEvalItem } from "@tunelab/evals";
import { findVersionById } from "../datasets/dataset.repository.ts";
import { readVersionLines } from "../datasets/version-content.ts";
import { TunelabError } from "../errors.ts";
import type { Workspace } from "../storage/workspace.ts";

/** The items of a test split version, as graders see them, in order. */
export async function testItems(ws: Workspace, versionId: string): Promise<EvalItem[]> {
  const version = await findVersionById(ws.db, versionId);
  if (!version) throw new TunelabError("not_found", `test split version ${versionId} is missing`);
  return readVersionLines(ws, version).map((line, position) => toEvalItem(JSON.parse(line) as Record<string, unknown>, position));
}
