import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { type EvalItem, toEvalItem } from "@tunelab/evals";
import { findVersionById } from "../datasets/dataset.repository.ts";
import { readVersionLines } from "../datasets/version-content.ts";
import { TunelabError } from "../errors.ts";
import type { Workspace } from "../storage/workspace.ts";

/** Lines parsed between two yields to the event loop (a 10,000-item split would otherwise block it for ~100 ms). */
const LINES_PER_SLICE = 1_000;

/** The items of a test split version, as graders see them, in order. */
export async function testItems(ws: Workspace, versionId: string): Promise<EvalItem[]> {
  const version = await findVersionById(ws.db, versionId);
  if (!version) throw new TunelabError("not_found", `test split version ${versionId} is missing`);
  const lines = readVersionLines(ws, version);
  const items: EvalItem[] = [];
  for (let position = 0; position < lines.length; position++) {
    if (position > 0 && position % LINES_PER_SLICE === 0) await yieldToEventLoop();
    items.push(toEvalItem(JSON.parse(lines[position] as string) as Record<string, unknown>, position));
  }
  return items;
}
