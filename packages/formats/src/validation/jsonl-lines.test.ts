import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { jsonlLines } from "./jsonl-lines.ts";

const dir = mkdtempSync(join(tmpdir(), "tunelab-lines-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const text = (lines: Iterable<Uint8Array | string>) => [...lines].map((l) => (typeof l === "string" ? l : Buffer.from(l).toString("utf8")));

describe("JSONL lines from text, bytes and a streamed file agree", () => {
  // ~2.6 MB of lines of varying length with multibyte characters, so 1 MiB reads split lines and characters
  const rows = Array.from({ length: 20_000 }, (_, i) => `{"i": ${i}, "s": "${"é😀x".repeat(i % 37)}"}`);

  it.each([
    ["final newline", `${rows.join("\n")}\n`],
    ["no final newline", rows.join("\n")],
    ["BOM and CRLF", `\uFEFF${rows.join("\r\n")}\r\n`],
    ["empty lines kept", `a\n\n\nb\n`],
    ["empty file", ""],
    ["only a newline", "\n"],
  ])("%s", (_name, content) => {
    const file = join(dir, "f.jsonl");
    writeFileSync(file, content);
    const expected = content.replace(/^\uFEFF/, "").split("\n");
    if (expected[expected.length - 1] === "") expected.pop();
    expect(text(jsonlLines({ text: content }))).toEqual(expected);
    expect(text(jsonlLines({ bytes: Buffer.from(content) }))).toEqual(expected);
    expect(text(jsonlLines({ path: file }))).toEqual(expected);
  });

  it("names a file it cannot read", () => {
    expect(() => [...jsonlLines({ path: join(dir, "missing.jsonl") })]).toThrow(/cannot read .*missing\.jsonl/);
  });
});
