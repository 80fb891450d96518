import { readFile } from "node:fs/promises";
import { TunelabError } from "@tunelab/base";
import { findNodeAtLocation, type ParseError, parse, parseTree, printParseErrorCode } from "jsonc-parser";
import type { z } from "zod";

/**
 * Reads one JSON file of a model directory and checks it against its schema. Every failure names the file, the line
 * (and column) and the field, e.g. `tokenizer_config.json line 12:3, field chat_template[0].template: expected string`.
 */
export async function readJsonFile<S extends z.ZodType>(path: string, schema: S): Promise<z.output<S>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new TunelabError("io_error", `cannot read ${path}: ${(cause as Error).message}`, { cause });
  }
  return parseJsonText(text, path, schema);
}

/** As readJsonFile, for text already in memory; `name` is what the errors call the file. */
export function parseJsonText<S extends z.ZodType>(text: string, name: string, schema: S): z.output<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    // JSON.parse does not always say where; jsonc-parser's scanner (strict options) does.
    const errors: ParseError[] = [];
    parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    const first = errors[0];
    const where = first ? ` at ${lineColumn(text, first.offset)} (${printParseErrorCode(first.error)})` : "";
    throw new TunelabError("validation_failed", `${name} is not valid JSON${where}: ${(cause as Error).message}`, { cause });
  }
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path ?? [];
  const field = formatPath(path);
  const offset = offsetOf(text, path);
  const where = offset === undefined ? "" : ` line ${lineColumn(text, offset)}`;
  throw new TunelabError("validation_failed", `${name}${where}, field ${field || "(root)"}: ${issue?.message ?? "invalid"}`, {
    details: { file: name, field, issues: result.error.issues },
  });
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** The offset of the deepest existing node along `path` (the parent when the field itself is missing). */
function offsetOf(text: string, path: ReadonlyArray<PropertyKey>): number | undefined {
  const tree = parseTree(text);
  if (!tree) return undefined;
  const segments = path.map((key) => (typeof key === "number" ? key : String(key)));
  for (let depth = segments.length; depth >= 0; depth--) {
    const node = findNodeAtLocation(tree, segments.slice(0, depth));
    if (node) return node.parent?.type === "property" && depth > 0 ? node.parent.offset : node.offset;
  }
  return undefined;
}

function lineColumn(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return `${line}:${offset - lineStart + 1}`;
}
