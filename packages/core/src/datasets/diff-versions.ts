import type { Workspace } from "../storage/workspace.ts";
import { positionsMissingFrom } from "./dataset.repository.ts";
import type { DatasetVersion } from "./dataset.schema.ts";
import type { DiffEntry, VersionDiff } from "./diff-versions.schema.ts";
import { loadVersionLines } from "./version-content.ts";

/** Examples added and removed going from one version to another, by content hash. */
export async function diffVersions(ws: Workspace, from: DatasetVersion, to: DatasetVersion): Promise<VersionDiff> {
  const [removedRows, addedRows] = await Promise.all([
    positionsMissingFrom(ws.db, from.id, to.id),
    positionsMissingFrom(ws.db, to.id, from.id),
  ]);
  const entries = async (version: DatasetVersion, rows: typeof addedRows): Promise<DiffEntry[]> => {
    if (rows.length === 0) return [];
    const lines = await loadVersionLines(ws, version);
    return rows.map((r) => ({ line: r.position + 1, hash: r.hash, example: JSON.parse(lines[r.position] ?? "null") }));
  };
  return {
    from: from.ref,
    to: to.ref,
    added: await entries(to, addedRows),
    removed: await entries(from, removedRows),
    unchanged: to.exampleCount - addedRows.length,
  };
}
