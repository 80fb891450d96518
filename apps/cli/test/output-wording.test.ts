// Small things a user reads: the eval headline gives the score and its interval to the same precision, counts of one
// are singular ("1 image"), and --test-fraction's help and its refusal say the same thing. Real CLI processes.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { deflateSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.ts";

const EXAMPLES = fileURLToPath(new URL("../../../examples/ticket-routing/", import.meta.url));

let dir: string;
let home: string;
const cli = (args: string[]) => runCli(args, { home, cwd: dir });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tunelab-wording-"));
  home = join(dir, ".tunelab");
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A w×h red PNG (8-bit RGB, one IDAT chunk). */
function png(w: number, h: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer) => {
    let c = 0xffffffff;
    for (const b of bytes) c = (crcTable[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(w, 0);
  header.writeUInt32BE(h, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: w }, () => [255, 0, 0]).flat())]);
  const pixels = Buffer.concat(Array.from({ length: h }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(pixels)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

describe("wording", () => {
  it("a file with one example and one image says '1 example' and '1 image'", () => {
    const url = `data:image/png;base64,${png(8, 8).toString("base64")}`;
    const example = {
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "what colour?" },
            { type: "image_url", image_url: { url } },
          ],
        },
        { role: "assistant", content: "red" },
      ],
    };
    writeFileSync(join(dir, "one-image.jsonl"), `${JSON.stringify(example)}\n`);
    const result = cli(["data", "validate", "one-image.jsonl"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^1 example · /m);
    expect(result.stdout).toMatch(/^1 image$/m);
    expect(result.stdout).not.toContain("1 images");
  }, 60_000);

  it("--test-fraction: the help says between 0 and 1, exclusive, and 0 is refused with the same words before any work", () => {
    expect(cli(["split", "--help"]).stdout).toContain("(between 0 and 1, exclusive)");
    for (const value of ["0", "1"]) {
      const refused = cli(["split", join(EXAMPLES, "test.jsonl"), "-p", "p", "--test-fraction", value]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(
        `option '--test-fraction <f>' argument '${value}' is invalid. expected a fraction between 0 and 1 (exclusive), got "${value}"`,
      );
    }
    expect(existsSync(home)).toBe(false);
  }, 60_000);

  it("eval's headline gives the score and its interval to three decimals each", () => {
    const items = readFileSync(`${EXAMPLES}test.jsonl`, "utf8").split("\n").filter(Boolean).slice(0, 8);
    writeFileSync(join(dir, "test.jsonl"), `${items.join("\n")}\n`);
    for (const args of [
      ["split", join(dir, "test.jsonl"), "--project", "tickets"],
      ["graders", "add", `${EXAMPLES}graders.json`],
    ]) {
      const r = cli(args);
      if (r.code !== 0) throw new Error(`${args.join(" ")}: ${r.stdout}\n${r.stderr}`);
    }
    const result = cli(["eval", "--model", "local-tiny"]);
    expect(result.code, result.stderr).toBe(0);
    const headline = result.stdout.split("\n")[0] ?? "";
    expect(headline).toMatch(/ · \S+ \d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\] · /);
  }, 120_000);
});
