import { closeSync, openSync, readSync } from "node:fs";
import { TunelabError } from "@tunelab/base";

/** Where a JSONL file comes from: text already decoded, its bytes, or a file read line by line. */
export type DataSource = { text: string } | { bytes: Uint8Array } | { path: string };

const NEWLINE = 0x0a;
const CHUNK_BYTES = 1 << 20;

/**
 * The lines of a JSONL source, without their "\n" (a "\r" before it stays, for the line's parser). A final newline
 * ends the last line rather than starting an empty one; a UTF-8 byte order mark at the very start is skipped. A file
 * is read in 1 MiB chunks, so memory stays flat whatever its size.
 */
export function jsonlLines(source: DataSource): Iterable<Uint8Array | string> {
  if ("text" in source) return textLines(source.text);
  if ("bytes" in source) return byteLines(source.bytes);
  return fileLines(source.path);
}

function* textLines(text: string): Generator<string> {
  let start = text.startsWith("\uFEFF") ? 1 : 0;
  while (start < text.length) {
    const end = text.indexOf("\n", start);
    if (end < 0) {
      yield text.slice(start);
      return;
    }
    yield text.slice(start, end);
    start = end + 1;
  }
}

function* byteLines(bytes: Uint8Array): Generator<Uint8Array> {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let start = hasBom(buffer) ? 3 : 0;
  while (start < buffer.length) {
    const end = buffer.indexOf(NEWLINE, start);
    if (end < 0) {
      yield buffer.subarray(start);
      return;
    }
    yield buffer.subarray(start, end);
    start = end + 1;
  }
}

function* fileLines(path: string): Generator<Uint8Array> {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    throw new TunelabError("io_error", `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    let carry: Buffer = Buffer.alloc(0);
    let first = true;
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    for (;;) {
      const n = readSync(fd, chunk, 0, CHUNK_BYTES, null);
      if (n === 0) break;
      // lines are yielded as views, so the chunk they come from must not be reused while they are alive
      let data: Buffer = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, n)]) : Buffer.from(chunk.subarray(0, n));
      if (first && hasBom(data)) data = data.subarray(3);
      first = false;
      let start = 0;
      for (let end = data.indexOf(NEWLINE, start); end >= 0; end = data.indexOf(NEWLINE, start)) {
        yield data.subarray(start, end);
        start = end + 1;
      }
      carry = data.subarray(start);
    }
    if (carry.length > 0) yield carry;
  } finally {
    closeSync(fd);
  }
}

function hasBom(bytes: Uint8Array): boolean {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}
