/** One chat example as a JSONL line: system, user, assistant. */
export function chat(user: string, assistant: string, system = "Route the ticket."): string {
  return JSON.stringify({
    messages: [
      { role: "system", content: system },
      { role: "user", content: user },
      { role: "assistant", content: assistant },
    ],
  });
}

/** Lines joined as a JSONL file (newline-terminated). */
export function jsonl(lines: ReadonlyArray<string>): string {
  return `${lines.join("\n")}\n`;
}
