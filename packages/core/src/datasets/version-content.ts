import type { Workspace } from "../storage/workspace.ts";
import type { DatasetVersion } from "./dataset.schema.ts";

/** The canonical JSONL of a version, exactly as stored. */
export function readVersionText(ws: Workspace, version: DatasetVersion): string {
  return ws.blobs.read(version.contentHash).toString("utf8");
}

/** The canonical lines of a version, in order (position i is line i + 1). */
export function readVersionLines(ws: Workspace, version: DatasetVersion): string[] {
  const text = readVersionText(ws, version);
  return text === "" ? [] : text.slice(0, -1).split("\n");
}
