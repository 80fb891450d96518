import type { Workspace } from "../storage/workspace.ts";
import type { DatasetVersion } from "./dataset.schema.ts";

/** The canonical JSONL of a version, exactly as stored (downloaded into the local cache when the blobs are in a bucket). */
export async function loadVersionText(ws: Workspace, version: DatasetVersion): Promise<string> {
  return (await ws.blobs.read(version.contentHash)).toString("utf8");
}

/** The canonical lines of a version, in order (position i is line i + 1). */
export async function loadVersionLines(ws: Workspace, version: DatasetVersion): Promise<string[]> {
  return toLines(await loadVersionText(ws, version));
}

function toLines(text: string): string[] {
  return text === "" ? [] : text.slice(0, -1).split("\n");
}
