import { expect } from "vitest";
import { importDataset } from "../datasets/import-dataset.ts";
import type { Workspace } from "../storage/workspace.ts";
import { chat, jsonl } from "./temp-workspace.ts";

/** One line of OpenAI's preference (DPO) JSONL. */
export const preferenceLine = (q: string, good = "Yes, of course.", bad = "No.") =>
  JSON.stringify({
    input: { messages: [{ role: "user", content: q }] },
    preferred_output: [{ role: "assistant", content: good }],
    non_preferred_output: [{ role: "assistant", content: bad }],
  });

/** Project `p` with `train@1` (12 chat examples) and `prefs@1` (12 preference pairs). */
export async function seedChatAndPreferences(ws: Workspace): Promise<void> {
  const tickets = Array.from({ length: 12 }, (_, i) => chat(`my invoice ${i} is wrong`, '{"category":"billing"}'));
  const prefs = Array.from({ length: 12 }, (_, i) => preferenceLine(`Can I pay with card ${i}?`));
  const a = await importDataset(ws, { project: "p", dataset: "train", text: jsonl(tickets), fileName: "train.jsonl" });
  const b = await importDataset(ws, { project: "p", dataset: "prefs", text: jsonl(prefs), fileName: "prefs.jsonl" });
  expect(a.status).toBe("created");
  expect(b.status !== "invalid" && b.version.format).toBe("preference");
}
