import { existsSync, readFileSync } from "node:fs";
import { TunelabError } from "@tunelab/base";
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

/**
 * `loadVersionText` of a version whose blob is on this machine (a blob directory, or a copy in the local cache of a
 * bucket), read synchronously: for tests. Code reads with `loadVersionText`, which fetches what is missing.
 */
export function readVersionText(ws: Workspace, version: DatasetVersion): string {
  const path = ws.blobs.pathOf(version.contentHash);
  if (!existsSync(path)) throw new TunelabError("not_found", `blob ${version.contentHash} is missing from ${ws.blobs.root}`);
  return readFileSync(path, "utf8");
}

/** `loadVersionLines` of a version whose blob is on this machine, read synchronously: for tests (see `readVersionText`). */
export function readVersionLines(ws: Workspace, version: DatasetVersion): string[] {
  return toLines(readVersionText(ws, version));
}

function toLines(text: string): string[] {
  return text === "" ? [] : text.slice(0, -1).split("\n");
}
