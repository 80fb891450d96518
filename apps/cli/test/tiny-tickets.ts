// Ticket routing small enough for the tiny Qwen2 fixture (a 256-token context), shared by the CLI tests that register
// that fixture and train on it.
import { fileURLToPath } from "node:url";
import { TICKETS } from "../../../packages/engine/test/open-weights/tickets.ts";

/** The tiny Qwen2 checkpoint the engine's tests generate (hidden 64, 2 layers, bf16). */
export const TINY = fileURLToPath(new URL("../../../packages/engine/fixtures/hf/qwen2", import.meta.url));

/** The open-weight engine tests' ten tickets and their teams. */
export const TRAIN: ReadonlyArray<readonly [string, string]> = TICKETS;

export const TEST: Array<[string, string]> = [
  ["Why was I billed again?", "billing"],
  ["The screen freezes", "bug"],
  ["Lock my account please", "account"],
];

export const SYSTEM = { role: "system", content: "Route the ticket." };

/** Chat JSONL lines: the system message, the ticket, its team as the answer. */
export const chatLines = (rows: ReadonlyArray<readonly [string, string]>) =>
  rows.map(([user, label]) =>
    JSON.stringify({ messages: [SYSTEM, { role: "user", content: user }, { role: "assistant", content: label }] }),
  );
