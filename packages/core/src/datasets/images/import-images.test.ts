// http(s) images of a dataset file are fetched once at import from a real HTTP server on loopback, stored as blobs
// with the version, kept as URLs in the canonical JSONL, and inlined as data: URLs only for the local engine; any
// image that cannot be fetched (404, too slow, not an image, nobody listening) refuses the import and writes nothing.
import { existsSync, readdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { IMAGES } from "@tunelab/formats/test-support/images";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { testItems } from "../../eval-runs/test-items.ts";
import { chat, jsonl, tempWorkspace } from "../../test-support/temp-workspace.ts";
import { findVersionById } from "../dataset.repository.ts";
import { importDataset } from "../import-dataset.ts";
import { setTestSplit } from "../set-test-split.ts";
import { loadVersionText } from "../version-content.ts";
import { listVersionImages, versionHasImages } from "./dataset-image.repository.ts";
import { inlineVersionImages } from "./inline-images.ts";

const PNG = Buffer.from(IMAGES.pngRgb, "base64");
const JPEG = Buffer.from(IMAGES.jpegRgb, "base64");

let server: Server;
let base: string;
/** Requests per path, as the server saw them. */
const hits = new Map<string, number>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? "";
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (path === "/seven.png") return res.writeHead(200, { "content-type": "image/png" }).end(PNG);
    if (path === "/three.jpg") return res.writeHead(200, { "content-type": "image/jpeg; charset=binary" }).end(JPEG);
    if (path === "/missing.png") return res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    if (path === "/login.png") return res.writeHead(200, { "content-type": "text/html" }).end("<html>sign in</html>");
    if (path === "/lying.png") return res.writeHead(200, { "content-type": "image/png" }).end(JPEG);
    if (path === "/slow.png") {
      res.writeHead(200, { "content-type": "image/png" });
      res.write(PNG.subarray(0, 8)); // and never the rest
      return;
    }
    res.writeHead(500).end();
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
  hits.clear();
  return () => ws.dispose();
});

function imageExample(url: string, answer: string, question = "Which digit is this?"): string {
  return JSON.stringify({
    messages: [
      { role: "system", content: "Read the digit." },
      {
        role: "user",
        content: [
          { type: "text", text: question },
          { type: "image_url", image_url: { url, detail: "low" } },
        ],
      },
      { role: "assistant", content: answer },
    ],
  });
}

const textOnly = Array.from({ length: 10 }, (_, i) => chat(`ticket ${i}`, "{}"));
const blobCount = () =>
  existsSync(ws.blobs.root) ? readdirSync(ws.blobs.root, { recursive: true }).filter((f) => String(f).length > 60).length : 0;
const imageFetch = { timeoutMs: 1500 };

describe("importing a file with http(s) images", () => {
  it("fetches each image once, stores its bytes with the version and keeps the URLs in the canonical file", async () => {
    const lines = [
      ...textOnly,
      imageExample(`${base}/seven.png`, '{"digit":7}'),
      imageExample(`${base}/three.jpg`, '{"digit":3}'),
      imageExample(`${base}/seven.png`, '{"digit":7}', "And this one?"),
    ];
    const result = await importDataset(ws, { project: "p", dataset: "train", fileName: "f.jsonl", text: jsonl(lines), imageFetch });
    expect(result.status, JSON.stringify(result.report.issues)).toBe("created");
    expect(hits).toEqual(
      new Map([
        ["/seven.png", 1],
        ["/three.jpg", 1],
      ]),
    );
    const version = result.status === "created" ? result.version : undefined;
    const images = await listVersionImages(ws.db, version?.id ?? "");
    expect(images).toEqual([
      { url: `${base}/seven.png`, contentHash: expect.any(String), mimeType: "image/png", byteSize: PNG.length },
      { url: `${base}/three.jpg`, contentHash: expect.any(String), mimeType: "image/jpeg", byteSize: JPEG.length },
    ]);
    expect((await ws.blobs.read(images[0]?.contentHash ?? "")).equals(PNG)).toBe(true);
    expect((await ws.blobs.read(images[1]?.contentHash ?? "")).equals(JPEG)).toBe(true);

    const stored = await findVersionById(ws.db, version?.id ?? "");
    const canonical = await loadVersionText(ws, stored ?? never());
    expect(canonical).toContain(`"url":"${base}/seven.png"`);
    expect(canonical).not.toContain("data:image");

    // what the local engine gets: data: URLs of the stored bytes, every other line as it is
    const inlined = await inlineVersionImages(ws, version?.id ?? "", canonical);
    const inlinedLines = inlined.split("\n");
    const canonicalLines = canonical.split("\n");
    expect(inlinedLines.slice(0, 10)).toEqual(canonicalLines.slice(0, 10));
    expect(inlined).not.toContain(base);
    const urls = inlinedLines.slice(10, 13).map((l) => JSON.parse(l).messages[1].content[1].image_url);
    expect(urls).toEqual([
      { url: `data:image/png;base64,${IMAGES.pngRgb}`, detail: "low" },
      { url: `data:image/jpeg;base64,${IMAGES.jpegRgb}`, detail: "low" },
      { url: `data:image/png;base64,${IMAGES.pngRgb}`, detail: "low" },
    ]);
    expect([...hits.values()]).toEqual([1, 1]); // nothing fetched again
  });

  it.each([
    ["missing.png", "HTTP 404 Not Found"],
    ["login.png", "Content-Type is text/html, not JPEG, PNG or WEBP"],
    ["lying.png", "image is declared image/png but its data is image/jpeg"],
    ["slow.png", "no complete answer within 1.5 s"],
  ])("refuses the file when %s cannot be used, naming line, field, URL and reason, and writes nothing", async (name, reason) => {
    const lines = [...textOnly, imageExample(`${base}/seven.png`, '{"digit":7}'), imageExample(`${base}/${name}`, '{"digit":1}')];
    const before = blobCount();
    const result = await importDataset(ws, { project: "p", dataset: "train", fileName: "f.jsonl", text: jsonl(lines), imageFetch });
    expect(result.status).toBe("invalid");
    expect(result.report.errors).toBe(1);
    expect(result.report.issues.filter((i) => i.severity === "error")).toEqual([
      {
        severity: "error",
        code: "invalid_image",
        line: 12,
        path: "messages[1].content[1].image_url.url",
        message: `could not fetch the image at ${base}/${name}: ${reason} (http(s) images are fetched once, at import)`,
      },
    ]);
    expect(blobCount()).toBe(before); // seven.png was fetched and removed again
    expect(await ws.db.selectFrom("dataset_versions").select("id").execute()).toEqual([]);
    expect(await ws.db.selectFrom("dataset_images").select("url").execute()).toEqual([]);
  });

  it("refuses the file offline (nobody listening), naming the line", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const url = `http://127.0.0.1:${port}/seven.png`;
    const result = await importDataset(ws, {
      project: "p",
      dataset: "train",
      fileName: "f.jsonl",
      text: jsonl([...textOnly, imageExample(url, '{"digit":7}')]),
      imageFetch,
    });
    expect(result.status).toBe("invalid");
    expect(result.report.issues).toContainEqual(
      expect.objectContaining({
        code: "invalid_image",
        line: 11,
        message: expect.stringMatching(/^could not fetch the image at .*ECONNREFUSED/),
      }),
    );
    expect(blobCount()).toBe(0);
  });

  it("fetches a carved test split's images and its rest's once each, before storing either", async () => {
    const lines = Array.from({ length: 40 }, (_, i) =>
      imageExample(`${base}/${i % 2 ? "seven.png" : "three.jpg"}`, `{"digit":${i}}`, `q${i}`),
    );
    const result = await setTestSplit(ws, {
      project: "p",
      fileName: "f.jsonl",
      text: jsonl(lines),
      testFraction: 0.5,
      seed: 1,
      imageFetch,
    });
    expect(result.status, JSON.stringify(result.report.issues)).toBe("created");
    expect(result.status === "created" && result.train?.status).toBe("created");
    expect([...hits.values()]).toEqual([1, 1]);
    const test = result.status === "created" ? result.test : never();
    const train = result.status === "created" && result.train?.status === "created" ? result.train.version : never();
    expect((await listVersionImages(ws.db, test.id)).map((i) => i.url).sort()).toEqual([`${base}/seven.png`, `${base}/three.jpg`]);
    expect((await listVersionImages(ws.db, train.id)).map((i) => i.url).sort()).toEqual([`${base}/seven.png`, `${base}/three.jpg`]);
  });

  it("refuses a split whose images cannot be fetched, storing neither part", async () => {
    const lines = Array.from({ length: 20 }, (_, i) =>
      imageExample(`${base}/${i === 13 ? "missing.png" : "seven.png"}`, `{"digit":${i}}`, `q${i}`),
    );
    const result = await setTestSplit(ws, { project: "p", fileName: "f.jsonl", text: jsonl(lines), testFraction: 0.5, imageFetch });
    expect(result.status).toBe("invalid");
    expect(result.report.issues).toContainEqual(expect.objectContaining({ code: "invalid_image", line: 14 }));
    expect(await ws.db.selectFrom("dataset_versions").select("id").execute()).toEqual([]);
    expect(blobCount()).toBe(0);
  });
});

describe("a test split with http(s) images", () => {
  it("is scored with the images fetched at import, as data: URLs, and shown with the URLs", async () => {
    const lines = [...textOnly, imageExample(`${base}/seven.png`, '{"digit":7}'), imageExample(`${base}/three.jpg`, '{"digit":3}')];
    const result = await setTestSplit(ws, { project: "p", fileName: "test.jsonl", text: jsonl(lines), imageFetch });
    if (result.status !== "created") return never();
    const versionId = result.test.id;
    const urlsOf = (items: Awaited<ReturnType<typeof testItems>>) =>
      items.flatMap((item) =>
        item.input.messages.flatMap((m) =>
          Array.isArray(m.content) ? m.content.flatMap((p) => (p.type === "image_url" ? [p.image_url.url] : [])) : [],
        ),
      );
    expect(urlsOf(await testItems(ws, versionId))).toEqual([`${base}/seven.png`, `${base}/three.jpg`]);
    const scored = urlsOf(await testItems(ws, versionId, { inlineImages: true }));
    expect(scored).toEqual([`data:image/png;base64,${PNG.toString("base64")}`, `data:image/jpeg;base64,${JPEG.toString("base64")}`]);
    // fetched once, at import
    expect([...hits.values()]).toEqual([1, 1]);
    // a split without http(s) images is not decoded whole to look for them
    const plain = await setTestSplit(ws, { project: "q", fileName: "test.jsonl", text: jsonl(textOnly) });
    if (plain.status !== "created") return never();
    expect([await versionHasImages(ws.db, versionId), await versionHasImages(ws.db, plain.test.id)]).toEqual([true, false]);
  });
});

function never(): never {
  throw new Error("unreachable");
}
