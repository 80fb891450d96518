import { GraderError } from "../grade.ts";

/** One step of a variable path: an object key or an array index. */
export type PathSegment = string | number;

/** A parsed `{{ namespace.path }}` variable. */
export interface VariablePath {
  /** The expression as written, trimmed (used in error messages). */
  text: string;
  segments: PathSegment[];
}

const IDENT = /[^.[\]\s"']+/y;
const INDEX = /\[\s*(\d+)\s*\]/y;
const QUOTED = /\[\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*\]/y;

/**
 * Parses a JSON-path-like variable: `item.answer.fields[0]`, `sample.output_tools[0].function.name`,
 * `item["key with spaces"]`. Throws `invalid_variable_error` for anything else; nothing is evaluated.
 */
export function parsePath(expression: string): VariablePath {
  const text = expression.trim();
  const segments: PathSegment[] = [];
  let at = 0;
  const fail = (why: string): never => {
    throw new GraderError("invalid_variable_error", `invalid template variable "${text}": ${why}`);
  };
  const ident = (): string => {
    IDENT.lastIndex = at;
    const match = IDENT.exec(text);
    if (!match) return fail(`expected a name at position ${at}`);
    at = IDENT.lastIndex;
    return match[0];
  };
  segments.push(ident());
  while (at < text.length) {
    const char = text[at];
    if (char === ".") {
      at += 1;
      segments.push(ident());
      continue;
    }
    if (char === "[") {
      INDEX.lastIndex = at;
      const index = INDEX.exec(text);
      if (index?.[1] !== undefined) {
        segments.push(Number(index[1]));
        at = INDEX.lastIndex;
        continue;
      }
      QUOTED.lastIndex = at;
      const quoted = QUOTED.exec(text);
      if (quoted) {
        segments.push(unescapeQuoted(quoted[1] ?? quoted[2] ?? ""));
        at = QUOTED.lastIndex;
        continue;
      }
      return fail(`bad index at position ${at}`);
    }
    return fail(`unexpected "${char}" at position ${at}`);
  }
  return { text, segments };
}

function unescapeQuoted(quoted: string): string {
  return quoted.replace(/\\(.)/g, "$1");
}

/** Formats segments back into `a.b[0]` form. */
export function formatPath(segments: readonly PathSegment[]): string {
  return segments.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}

/**
 * Follows `segments` from `root`, reading only own properties (so `constructor` or `__proto__` never resolve).
 * Returns `undefined` when a step is missing.
 */
export function lookup(root: unknown, segments: readonly PathSegment[]): unknown {
  let value = root;
  for (const segment of segments) {
    if (value === null || typeof value !== "object") return undefined;
    if (Array.isArray(value)) {
      const index = typeof segment === "number" ? segment : /^\d+$/.test(segment) ? Number(segment) : Number.NaN;
      if (!(index >= 0 && index < value.length)) return undefined;
      value = value[index];
      continue;
    }
    const key = String(segment);
    if (!Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
