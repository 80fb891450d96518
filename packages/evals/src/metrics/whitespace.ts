/**
 * Python's `str.split()` with no arguments: split on runs of Unicode whitespace as Python defines it
 * (bidi classes WS/B/S and category Zs: includes \x1c-\x1f and \x85, excludes U+FEFF and U+180E, which
 * JavaScript's `\s` treats differently), dropping empty strings.
 */

/** Whether a UTF-16 code unit is whitespace to Python's `str.split()` (all such characters are in the BMP). */
export function isPyWhitespace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c >= 0x1c;
  if (c < 0x85) return false;
  if (c <= 0xa0) return c === 0x85 || c === 0xa0;
  if (c < 0x1680) return false;
  return c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

/** A char loop instead of a regex split: no array of parts that includes empty strings to drop. */
export function pySplit(text: string): string[] {
  const parts: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && isPyWhitespace(text.charCodeAt(i))) i++;
    if (i >= text.length) break;
    const start = i;
    while (i < text.length && !isPyWhitespace(text.charCodeAt(i))) i++;
    parts.push(text.slice(start, i));
  }
  return parts;
}
