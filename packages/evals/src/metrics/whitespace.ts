/**
 * Python's `str.split()` with no arguments: split on runs of Unicode whitespace as Python defines it
 * (bidi classes WS/B/S and category Zs: includes \x1c-\x1f and \x85, excludes U+FEFF and U+180E, which
 * JavaScript's `\s` treats differently), dropping empty strings.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: \x1c-\x1f are whitespace to Python str.split()
const PY_WHITESPACE = /[\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

export function pySplit(text: string): string[] {
  const parts = text.split(PY_WHITESPACE);
  if (parts.length > 0 && parts[0] === "") parts.shift();
  if (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  return parts;
}
