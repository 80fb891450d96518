// Ticket routing small enough for the tiny Qwen2 fixture (a 256-token context), shared by the CLI tests that register
// that fixture and train on it.
import { fileURLToPath } from "node:url";

/** The tiny Qwen2 checkpoint the engine's tests generate (hidden 64, 2 layers, bf16). */
export const TINY = fileURLToPath(new URL("../../../packages/engine/fixtures/hf/qwen2", import.meta.url));

export const TRAIN: Array<[string, string]> = [
  ["My invoice is wrong", "billing"],
  ["The app crashes on start", "bug"],
  ["How do I reset my password?", "account"],
  ["I was charged twice", "billing"],
  ["Error 500 when saving", "bug"],
  ["Change my email address", "account"],
  ["Refund my last order", "billing"],
  ["The page is blank", "bug"],
  ["Delete my account", "account"],
  ["Update my card", "billing"],
];

export const TEST: Array<[string, string]> = [
  ["Why was I billed again?", "billing"],
  ["The screen freezes", "bug"],
  ["Lock my account please", "account"],
];

export const SYSTEM = { role: "system", content: "Route the ticket." };

/** Chat JSONL lines: the system message, the ticket, its team as the answer. */
export const chatLines = (rows: Array<[string, string]>) =>
  rows.map(([user, label]) =>
    JSON.stringify({ messages: [SYSTEM, { role: "user", content: user }, { role: "assistant", content: label }] }),
  );
