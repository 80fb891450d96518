import { visit } from "jsonc-parser";

export type StrictFinding =
  | { kind: "duplicate_key"; path: Array<string | number>; key: string }
  | { kind: "lone_surrogate"; path: Array<string | number>; inKey: boolean; escape: string };

/** In Unicode mode a pair is one code point, so this matches only a surrogate without its partner. */
const LONE_SURROGATE = /\p{Cs}/u;
const OPTIONS = { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false };

/**
 * What `JSON.parse` accepts silently but would change the data: an object key given twice (the last one wins) and a
 * string or key with a lone surrogate (`"\ud800"`: not Unicode, it cannot round-trip through UTF-8). Walks the
 * line's tokens with jsonc-parser's event API (its scanner decodes escapes), with the path of each finding. Call it
 * on text that `JSON.parse` accepted.
 */
export function strictJsonFindings(text: string): StrictFinding[] {
  const findings: StrictFinding[] = [];
  const keys: Array<Set<string>> = [];
  visit(
    text,
    {
      onObjectBegin: () => {
        keys.push(new Set());
      },
      onObjectEnd: () => {
        keys.pop();
      },
      onObjectProperty: (key, _offset, _length, _line, _column, pathSupplier) => {
        const seen = keys[keys.length - 1];
        if (!seen) return;
        if (seen.has(key)) findings.push({ kind: "duplicate_key", path: [...pathSupplier(), key], key });
        else seen.add(key);
        if (LONE_SURROGATE.test(key)) findings.push({ kind: "lone_surrogate", path: pathSupplier(), inKey: true, escape: loneEscape(key) });
      },
      onLiteralValue: (value: unknown, _offset, _length, _line, _column, pathSupplier) => {
        if (typeof value === "string" && LONE_SURROGATE.test(value)) {
          findings.push({ kind: "lone_surrogate", path: pathSupplier(), inKey: false, escape: loneEscape(value) });
        }
      },
    },
    OPTIONS,
  );
  return findings;
}

/** The first lone surrogate of a string, written as its JSON escape (`\ud800`). */
function loneEscape(text: string): string {
  const at = LONE_SURROGATE.exec(text)?.index ?? 0;
  return `\\u${text.charCodeAt(at).toString(16)}`;
}
