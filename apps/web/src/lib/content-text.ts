/** A message's content as text (the text parts of a multi-part content), for display. */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((p) => (p && typeof p === "object" && "text" in p ? String(p.text) : "")).join("");
  return content === undefined || content === null ? "" : JSON.stringify(content);
}
