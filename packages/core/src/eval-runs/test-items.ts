import { TunelabError } from "@tunelab/base";
import { type EvalItem, timeSlicer, toEvalItem, YIELD_EVERY_MS } from "@tunelab/evals";
import { findVersionById } from "../datasets/dataset.repository.ts";
import { versionHasImages } from "../datasets/images/dataset-image.repository.ts";
import { inlineVersionImages } from "../datasets/images/inline-images.ts";
import type { Workspace } from "../storage/workspace.ts";

const NEWLINE = 0x0a;

/**
 * The items of a test split version, as graders see them, in order. The file is read off the main thread and parsed
 * line by line (a newline byte never occurs inside a UTF-8 sequence), yielding to the event loop every
 * `YIELD_EVERY_MS` (a 10,000-item split takes ~100 ms), so a large split never blocks it for long.
 *
 * `inlineImages` (eval runs): http(s) images fetched at import are sent as `data:` URLs of the stored bytes, so a run
 * never fetches them again and the local engine, which reads no other images, can answer.
 */
export async function testItems(ws: Workspace, versionId: string, options: { inlineImages?: boolean } = {}): Promise<EvalItem[]> {
  const version = await findVersionById(ws.db, versionId);
  if (!version) throw new TunelabError("not_found", `test split version ${versionId} is missing`);
  let bytes = await readBlob(ws, version.contentHash);
  // (a version without http(s) images, the usual case, is not decoded whole: ~15 ms at once for 10,000 items)
  if (options.inlineImages && (await versionHasImages(ws.db, versionId))) {
    const text = bytes.toString("utf8");
    const inlined = await inlineVersionImages(ws, versionId, text);
    if (inlined !== text) bytes = Buffer.from(inlined, "utf8");
  }
  const items: EvalItem[] = [];
  const breathe = timeSlicer(YIELD_EVERY_MS);
  // canonical JSONL: every line, the last included, ends with "\n"
  for (let start = 0; start < bytes.length; ) {
    const newline = bytes.indexOf(NEWLINE, start);
    const end = newline < 0 ? bytes.length : newline;
    const pause = breathe();
    if (pause) await pause;
    items.push(toEvalItem(JSON.parse(bytes.toString("utf8", start, end)) as Record<string, unknown>, items.length));
    start = end + 1;
  }
  return items;
}

/**
 * The items of a test split version at some positions (0-based, as eval samples record them), parsing only their
 * lines: a comparison shows a few hundred items of a split that may hold many thousands.
 */
export async function testItemsAt(ws: Workspace, versionId: string, positions: Iterable<number>): Promise<Map<number, EvalItem>> {
  const wanted = new Set(positions);
  const items = new Map<number, EvalItem>();
  if (wanted.size === 0) return items;
  const version = await findVersionById(ws.db, versionId);
  if (!version) throw new TunelabError("not_found", `test split version ${versionId} is missing`);
  const bytes = await readBlob(ws, version.contentHash);
  let position = 0;
  for (let start = 0; start < bytes.length && items.size < wanted.size; position++) {
    const newline = bytes.indexOf(NEWLINE, start);
    const end = newline < 0 ? bytes.length : newline;
    if (wanted.has(position)) {
      items.set(position, toEvalItem(JSON.parse(bytes.toString("utf8", start, end)) as Record<string, unknown>, position));
    }
    start = end + 1;
  }
  return items;
}

/**
 * How many items a test split version has (as `testItems(...).length`): the count stored with the version when it was
 * written (one canonical JSONL line per example, and versions never change), so the split itself is not read (a
 * 10,000-item split is 3.6 MB, ~15 ms to read and count before a run could start).
 */
export async function testItemCount(ws: Workspace, versionId: string): Promise<number> {
  const version = await findVersionById(ws.db, versionId);
  if (!version) throw new TunelabError("not_found", `test split version ${versionId} is missing`);
  return version.exampleCount;
}

function readBlob(ws: Workspace, hash: string): Promise<Buffer> {
  return ws.blobs.read(hash);
}
