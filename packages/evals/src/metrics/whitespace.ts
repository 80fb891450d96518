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

/** Counts the n-grams of one order, keyed by tokens joined with " " (tokens never contain whitespace). */
export function countNgrams(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    let key = tokens[i] as string;
    for (let k = 1; k < n; k++) key += ` ${tokens[i + k] as string}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}
