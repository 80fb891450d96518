// Generated ticket-routing training files for the import benchmark: deterministic, written in chunks so a
// million-line file never sits in memory.
import { closeSync, openSync, writeSync } from "node:fs";

const SYSTEM = 'Route the support ticket. Reply with JSON: {"category": ..., "priority": ...}.';
const WORDS = "invoice refund login password crash shipping parcel upgrade plan charge card export report slow error page account".split(
  " ",
);
const CATEGORIES = ["billing", "technical", "account", "shipping", "refund", "feature_request"];

/** Line `i` of a ticket file; without the system message every line gets a `missing_system_message` warning. */
export function ticketLine(i: number, options: { system: boolean }): string {
  let x = (i * 2654435761) >>> 0;
  const words: string[] = [];
  for (let w = 0; w < 12 + (i % 9); w++) {
    x = (x * 1103515245 + 12345) >>> 0;
    words.push(WORDS[x % WORDS.length] ?? "ticket");
  }
  const answer = JSON.stringify({ category: CATEGORIES[i % 6], priority: i % 3 === 0 ? "high" : "normal" });
  return JSON.stringify({
    messages: [
      ...(options.system ? [{ role: "system", content: SYSTEM }] : []),
      { role: "user", content: `Ticket ${i}: ${words.join(" ")}.` },
      { role: "assistant", content: answer },
    ],
  });
}

/** Writes lines `from` .. `from + count - 1` to `path`; returns the file's size in bytes. */
export function writeTicketFile(path: string, count: number, options: { system: boolean; from?: number }): number {
  const fd = openSync(path, "w");
  let bytes = 0;
  try {
    const from = options.from ?? 0;
    for (let start = 0; start < count; start += 10_000) {
      const lines: string[] = [];
      for (let i = start; i < Math.min(count, start + 10_000); i++) lines.push(ticketLine(from + i, options));
      bytes += writeSync(fd, `${lines.join("\n")}\n`);
    }
  } finally {
    closeSync(fd);
  }
  return bytes;
}
