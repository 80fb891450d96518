/** Chat fine-tuning records (OpenAI JSONL format) and writing them to disk. */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export type Role = "system" | "user" | "assistant";

export interface ChatMessage {
  role: Role;
  content: string;
}

export interface ChatRecord {
  messages: ChatMessage[];
  tags?: string[];
}

export function chat(system: string, user: string, assistant: string): ChatRecord {
  return {
    messages: [
      { role: "system", content: system },
      { role: "user", content: user },
      { role: "assistant", content: assistant },
    ],
  };
}

export function userText(record: ChatRecord): string {
  return record.messages.find((m) => m.role === "user")?.content ?? "";
}

/** One compact JSON object per line, newline-terminated, no blank lines. */
export function toJsonl(records: readonly object[]): string {
  return records.map((r) => `${JSON.stringify(r)}\n`).join("");
}

export function writeJsonl(path: string, records: readonly object[]): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, toJsonl(records), "utf8");
}
