// Leakage of vision examples: an image example's input is its text and its images, compared by content (a data: URL
// by its decoded bytes, an http(s) image by the bytes fetched at import, else by URL). The digits example asks
// "Which digit is this?" of every picture: a training example with another picture is no leak, not even a near one.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { deflateSync } from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { jsonl, tempWorkspace } from "../../test-support/temp-workspace.ts";
import { importDataset } from "../import-dataset.ts";
import { setTestSplit } from "../set-test-split.ts";

/** A real 2×2 RGB PNG whose pixels are `n`'s colour: a different picture for each n < 2^24. */
function png(n: number): Buffer {
  const crc = (bytes: Buffer) => {
    let c = 0xffffffff;
    for (const b of bytes) {
      c ^= b;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
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
  header.writeUInt32BE(2, 0);
  header.writeUInt32BE(2, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.from([0, ...[0, 1].flatMap(() => [n >> 16, (n >> 8) & 0xff, n & 0xff])]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(Buffer.concat([row, row]))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

const dataUrl = (n: number, mime = "image/png") => `data:${mime};base64,${png(n).toString("base64")}`;

function digit(url: string, answer: number, question = "Which digit is this?"): string {
  return JSON.stringify({
    messages: [
      { role: "system", content: "Read the handwritten digit in the image." },
      {
        role: "user",
        content: [
          { type: "text", text: question },
          { type: "image_url", image_url: { url, detail: "low" } },
        ],
      },
      { role: "assistant", content: `{"digit":${answer}}` },
    ],
  });
}

let server: Server;
let base: string;
beforeAll(async () => {
  // /img/N.png is picture N; /copy/N.png is the same bytes under another URL
  server = createServer((req, res) => {
    const match = /^\/(img|copy)\/(\d+)\.png$/.exec(req.url ?? "");
    if (!match) return res.writeHead(404).end();
    res.writeHead(200, { "content-type": "image/png" }).end(png(Number(match[2])));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
beforeEach(async () => {
  ws = await tempWorkspace();
  return () => ws.dispose();
});

const imageFetch = { timeoutMs: 5000 };
/** Three test items: the same question over pictures 1, 2 and 3. */
const testFile = (url: (n: number) => string) => jsonl([1, 2, 3].map((n) => digit(url(n), n)));
/** Ten training examples asking the test items' question over other pictures (100..109): none is a leak. */
const otherPictures = (url: (n: number) => string) => Array.from({ length: 10 }, (_, i) => digit(url(100 + i), i));

describe("leakage of examples with images", () => {
  it("data: URLs: the same question over another picture is no leak; the same picture (however its type is spelled) is", async () => {
    await setTestSplit(ws, { project: "digits", text: testFile(dataUrl), fileName: "test.jsonl" });
    const train = jsonl([
      ...otherPictures(dataUrl),
      digit(dataUrl(1), 1), // line 11: test item 1 as it is
      digit(dataUrl(2, "image/PNG"), 2), // line 12: test item 2's bytes, its type spelled otherwise
      digit(dataUrl(3), 3, "Which digit is this one?"), // line 13: test item 3's picture, a question 80% alike
      digit(dataUrl(4), 4, "Which digit is this one?"), // line 14: that question over another picture
    ]);
    const result = await importDataset(ws, { project: "digits", dataset: "train", text: train, fileName: "train.jsonl" });
    if (result.status === "invalid") throw new Error(JSON.stringify(result.report.issues));
    expect(result.leakage?.near).toEqual([{ line: 13, testItem: 3, similarity: expect.closeTo(0.8) }]);
    expect(result.leakage?.exact).toEqual([
      { line: 11, testItem: 1 },
      { line: 12, testItem: 2 },
    ]);
    expect(result.version.exampleCount).toBe(12);
    expect(result.report.issueCounts).toMatchObject({ test_leakage_exact: 2, test_leakage_near: 1 });

    // a split set after the training data says the same of the stored version
    const v2 = await setTestSplit(ws, {
      project: "digits",
      text: jsonl([1, 2, 3, 3].map((n, i) => digit(dataUrl(n), n, i === 3 ? "Which digit is this one?" : undefined))),
      fileName: "test2.jsonl",
    });
    if (v2.status === "invalid") throw new Error("unexpected");
    expect(v2.trainingLeakage).toEqual([
      // train@1 holds lines 1..10 of other pictures and line 11 (picture 3, the longer question) of its file
      { version: "train@1", examples: 12, exact: [{ line: 11, testItem: 4 }], near: [] },
    ]);
  });

  it("http(s) images: compared by the bytes fetched at import where both were fetched, else by URL", async () => {
    const img = (n: number) => `${base}/img/${n}.png`;
    await setTestSplit(ws, { project: "web", text: testFile(img), fileName: "test.jsonl", imageFetch });
    const train = jsonl([
      ...otherPictures(img),
      digit(img(1), 1), // line 11: the same URL: a leak
      digit(dataUrl(2), 2), // line 12: test item 2's bytes as a data: URL: a leak
      digit(`${base}/copy/3.png`, 3), // line 13: test item 3's bytes under another URL, not fetched yet: not seen
    ]);
    const result = await importDataset(ws, { project: "web", dataset: "train", text: train, fileName: "train.jsonl", imageFetch });
    if (result.status === "invalid") throw new Error(JSON.stringify(result.report.issues));
    expect(result.leakage).toMatchObject({
      exact: [
        { line: 11, testItem: 1 },
        { line: 12, testItem: 2 },
      ],
      near: [],
    });

    // once stored, its images' bytes are known: a later split finds test item 3's picture under the other URL too
    const t2 = jsonl([...[1, 2, 3].map((n) => digit(img(n), n)), digit(img(5), 5)]);
    const v2 = await setTestSplit(ws, { project: "web", text: t2, fileName: "t2.jsonl", imageFetch });
    if (v2.status === "invalid") throw new Error("unexpected");
    expect(v2.trainingLeakage).toEqual([{ version: "train@1", examples: 11, exact: [{ line: 11, testItem: 3 }], near: [] }]);
  });
});
