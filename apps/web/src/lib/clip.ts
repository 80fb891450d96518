/**
 * `text` shortened to at most `max` characters (the "…" included): cut at the last word boundary that keeps most of it,
 * never mid-word unless one word is that long, and always marked with "…" when anything was cut.
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const room = Math.max(1, max - 1);
  const cut = text.slice(0, room + 1);
  const boundary = cut.search(/\s\S*$/);
  const end = boundary >= room * 0.6 ? boundary : room;
  return `${text.slice(0, end).trimEnd()}…`;
}
