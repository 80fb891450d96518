import { visit } from "jsonc-parser";

export type StrictFinding =
  | { kind: "duplicate_key"; path: Array<string | number>; key: string }
  | { kind: "too_deep"; path: Array<string | number> }
  | { kind: "lone_surrogate"; path: Array<string | number>; inKey: boolean; escape: string };

/** In Unicode mode a pair is one code point, so this matches only a surrogate without its partner. */
const LONE_SURROGATE = /\p{Cs}/u;
/**
 * Deepest nesting accepted. Chat data nests a few levels (a tool's JSON schema a few more); a line nested thousands
 * deep would exhaust the stack of every recursive step after parsing, so it is refused here.
 */
export const MAX_JSON_DEPTH = 100;

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
  let depth = 0;
  let tooDeep = false;
  const enter = (pathSupplier: () => Array<string | number>) => {
    depth++;
    if (depth > MAX_JSON_DEPTH && !tooDeep) {
      tooDeep = true;
      findings.push({ kind: "too_deep", path: pathSupplier() });
    }
  };
  try {
    visit(
      text,
      {
        onObjectBegin: (_offset, _length, _line, _column, pathSupplier) => {
          enter(pathSupplier);
          keys.push(new Set());
        },
        onObjectEnd: () => {
          depth--;
          keys.pop();
        },
        onArrayBegin: (_offset, _length, _line, _column, pathSupplier) => enter(pathSupplier),
        onArrayEnd: () => {
          depth--;
        },
        onObjectProperty: (key, _offset, _length, _line, _column, pathSupplier) => {
          const seen = keys[keys.length - 1];
          if (!seen) return;
          if (seen.has(key)) findings.push({ kind: "duplicate_key", path: [...pathSupplier(), key], key });
          else seen.add(key);
          if (LONE_SURROGATE.test(key))
            findings.push({ kind: "lone_surrogate", path: pathSupplier(), inKey: true, escape: loneEscape(key) });
        },
        onLiteralValue: (value: unknown, _offset, _length, _line, _column, pathSupplier) => {
          if (typeof value === "string" && LONE_SURROGATE.test(value)) {
            findings.push({ kind: "lone_surrogate", path: pathSupplier(), inKey: false, escape: loneEscape(value) });
          }
        },
      },
      OPTIONS,
    );
  } catch (error) {
    // jsonc-parser descends recursively: a line nested deep enough overflows the stack before the limit can stop it
    if (!(error instanceof RangeError)) throw error;
    if (!tooDeep) findings.push({ kind: "too_deep", path: [] });
  }
  return findings;
}

/** The first lone surrogate of a string, written as its JSON escape (`\ud800`). */
function loneEscape(text: string): string {
  const at = LONE_SURROGATE.exec(text)?.index ?? 0;
  return `\\u${text.charCodeAt(at).toString(16)}`;
}
