import { formatPath, type IssueSink } from "./issue.ts";
import { MAX_JSON_DEPTH, strictJsonFindings } from "./strict-json.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const lossy = new TextDecoder("utf-8", { ignoreBOM: true });
const CR = 0x0d;

/**
 * Parses one JSONL line (bytes as read from the file, or text) into a JSON object, strictly: bytes that are not
 * UTF-8, lone surrogates and duplicate keys are errors, since each would silently change the data. Returns undefined
 * when the line has an error (reported to `sink` with the line, and the byte column or field path).
 */
export function parseLine(raw: Uint8Array | string, line: number, sink: IssueSink): Record<string, unknown> | undefined {
  const row = typeof raw === "string" ? withoutCr(raw) : decode(raw, line, sink);
  if (row === undefined) return undefined;
  if (row.trim() === "") {
    sink.error("empty_line", "empty line; JSONL needs one JSON object on every line", { line });
    return undefined;
  }
  // tokens first: a line nested thousands deep is refused before JSON.parse, which is slow on such input
  const findings = strictJsonFindings(row);
  const tooDeep = findings.find((f) => f.kind === "too_deep");
  if (tooDeep) {
    const message = `JSON nested more than ${MAX_JSON_DEPTH} levels deep; training data nests a few`;
    sink.error("invalid_json", message, { line, path: formatPath(tooDeep.path) });
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(row);
  } catch (error) {
    sink.error("invalid_json", `invalid JSON: ${(error as Error).message}`, { line });
    return undefined;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    const kind = Array.isArray(value) ? "a list" : value === null ? "null" : typeof value;
    sink.error("data_type", `line must be a JSON object, got ${kind}`, { line });
    return undefined;
  }
  for (const finding of findings) {
    const path = formatPath(finding.path);
    if (finding.kind === "duplicate_key") {
      const container = formatPath(finding.path.slice(0, -1));
      sink.error(
        "duplicate_key",
        `key ${JSON.stringify(finding.key)} appears more than once in ${container === "" ? "the line's object" : container}; parsers disagree on which value counts, so keep one`,
        { line, path },
      );
    } else if (finding.kind === "lone_surrogate") {
      sink.error(
        "invalid_unicode",
        `${finding.inKey ? "a key" : "a string"} holds a lone surrogate (${finding.escape}); it is not Unicode text and cannot be stored as UTF-8`,
        { line, path },
      );
    }
  }
  return findings.length > 0 ? undefined : (value as Record<string, unknown>);
}

function withoutCr(row: string): string {
  return row.endsWith("\r") ? row.slice(0, -1) : row;
}

function decode(bytes: Uint8Array, line: number, sink: IssueSink): string | undefined {
  const end = bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.length - 1 : bytes.length;
  const body = bytes.subarray(0, end);
  try {
    return utf8.decode(body);
  } catch {
    const at = firstInvalidByte(body);
    const hex = (body[at] ?? 0).toString(16).toUpperCase().padStart(2, "0");
    sink.error("invalid_utf8", `byte ${at + 1} (0x${hex}) is not valid UTF-8; save the file as UTF-8`, { line, column: at + 1 });
    return undefined;
  }
}

/**
 * Offset of the first byte that is not part of valid UTF-8. The lenient decoder turns each invalid sequence into
 * U+FFFD; the bytes before the first one decode exactly, so their UTF-8 length is the offset. A U+FFFD that the file
 * really holds (EF BF BD) is skipped.
 */
export function firstInvalidByte(bytes: Uint8Array): number {
  const text = lossy.decode(bytes);
  let offset = 0;
  let from = 0;
  for (let i = text.indexOf("\uFFFD"); i >= 0; i = text.indexOf("\uFFFD", from)) {
    offset += Buffer.byteLength(text.slice(from, i));
    if (!(bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd)) return offset;
    offset += 3;
    from = i + 1;
  }
  return 0;
}
