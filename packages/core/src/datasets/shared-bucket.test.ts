// Two machines share one database and one S3-compatible bucket (a real HTTP server on loopback speaking S3's REST
// API), each with its own local blob cache: what is imported through the first is read through the second (the
// version's text, the test split's items, the training file an experiment uploads, the images fetched at import).
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runningWorkerTasks } from "@tunelab/base";
import { OFF_THREAD_BYTES } from "@tunelab/formats";
import { IMAGES } from "@tunelab/formats/test-support/images";
import { FAKE_S3_CREDENTIALS, type FakeS3, startFakeS3 } from "@tunelab/storage/test-support/fake-s3";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { readEnv } from "../env.ts";
import { testItems } from "../eval-runs/test-items.ts";
import { createExperiment } from "../experiments/create-experiment.ts";
import { type ExperimentServices, runExperiment } from "../experiments/run-experiment.ts";
import type { Trainer } from "../providers/trainers/trainer.ts";
import { openBlobs } from "../storage/home.ts";
import { closeWorkspace, openWorkspace, type Workspace } from "../storage/workspace.ts";
import { chat, jsonl } from "../test-support/temp-workspace.ts";
import { testDatabaseLocation } from "../test-support/test-database.ts";
import { findVersionById } from "./dataset.repository.ts";
import { importDataset } from "./import-dataset.ts";
import { setTestSplit } from "./set-test-split.ts";
import { loadVersionText } from "./version-content.ts";

const PNG = Buffer.from(IMAGES.pngRgb, "base64");
let s3: FakeS3;
let images: Server;
let imageUrl: string;
let dir: string;
let first: Workspace;
let second: Workspace;
let trainVersionId: string;
let testVersionId: string;

/** A workspace on the shared database whose blobs are the shared bucket, cached in its own home. */
async function machine(name: string, database: string | undefined): Promise<Workspace> {
  const home = join(dir, name);
  const ws = await openWorkspace(home, database ?? (await testDatabaseLocation(home)));
  await ws.blobs.close();
  return { ...ws, blobs: openBlobs(home, readEnv(bucketEnv())) };
}

const bucketEnv = () => ({ TUNELAB_BLOB_URL: "s3://team-blobs/tunelab", AWS_ENDPOINT_URL_S3: s3.endpoint, AWS_REGION: "eu-west-1" });

beforeAll(async () => {
  // credentials come from the AWS SDK's default chain, here the environment
  vi.stubEnv("AWS_ACCESS_KEY_ID", FAKE_S3_CREDENTIALS.accessKeyId);
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", FAKE_S3_CREDENTIALS.secretAccessKey);
  s3 = await startFakeS3(["team-blobs"]);
  images = createServer((_req, res) => res.writeHead(200, { "content-type": "image/png" }).end(PNG));
  await new Promise<void>((resolve) => images.listen(0, "127.0.0.1", resolve));
  imageUrl = `http://127.0.0.1:${(images.address() as AddressInfo).port}/seven.png`;
  dir = mkdtempSync(join(tmpdir(), "tunelab-shared-bucket-"));
  first = await machine("first", undefined);
  second = await machine("second", first.database);

  const split = await setTestSplit(first, {
    project: "p",
    fileName: "test.jsonl",
    text: jsonl(Array.from({ length: 6 }, (_, i) => chat(`held-out question ${i}`, `answer ${i}`))),
  });
  if (!("test" in split)) throw new Error(JSON.stringify(split.report.issues));
  testVersionId = split.test.id;
  const lines = Array.from({ length: 10 }, (_, i) =>
    JSON.stringify({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: `digit ${i}` },
            { type: "image_url", image_url: { url: imageUrl } },
          ],
        },
        { role: "assistant", content: "7" },
      ],
    }),
  );
  const imported = await importDataset(first, { project: "p", dataset: "train", fileName: "digits.jsonl", text: jsonl(lines) });
  if (imported.status !== "created") throw new Error(JSON.stringify(imported.report.issues));
  trainVersionId = imported.version.id;
});
afterAll(async () => {
  vi.unstubAllEnvs();
  if (second) await closeWorkspace(second);
  if (first) await closeWorkspace(first);
  await new Promise<void>((resolve) => images.close(() => resolve()));
  await s3.close();
  rmSync(dir, { recursive: true, force: true });
});

const cachedFiles = (ws: Workspace) =>
  existsSync(ws.blobs.root) ? readdirSync(ws.blobs.root, { recursive: true }).filter((f) => String(f).length > 60) : [];

/** A trainer that keeps the training file it is given and stops the experiment there. */
function recordingTrainer(uploads: string[]): Trainer {
  const stop = () => Promise.reject(new Error("stopped after the upload"));
  return {
    kind: "openai",
    uploadFile: async (file) => {
      uploads.push(file.content.toString("utf8"));
      return `file-${uploads.length}`;
    },
    fileExists: async () => false,
    createJob: stop,
    findJob: async () => undefined,
    getJob: stop,
    newEvents: stop,
    cancelJob: async () => undefined,
  };
}

describe("a bucket two workspaces share", () => {
  it("holds every blob the first workspace stored, each signed request answered", () => {
    // the test split, the training version and the image: three objects under the prefix
    expect([...s3.objects.keys()].every((key) => /^team-blobs\/tunelab\/[0-9a-f]{2}\/[0-9a-f]{64}$/.test(key))).toBe(true);
    expect(s3.objects.size).toBe(3);
    expect(s3.requests.some((r) => r.status === 403)).toBe(false);
    expect(cachedFiles(first)).toHaveLength(3);
    expect(cachedFiles(second)).toHaveLength(0);
  });

  it("gives the second workspace the version text, downloaded into its own cache", async () => {
    const version = await findVersionById(second.db, trainVersionId);
    if (!version) throw new Error("no version");
    // not in the second machine's cache until it reads it
    expect(cachedFiles(second)).toHaveLength(0);
    const text = await loadVersionText(second, version);
    expect(cachedFiles(second)).toHaveLength(1);
    expect(text).toBe(await loadVersionText(first, version));
    expect(await loadVersionText(second, version)).toBe(text);
  });

  it("gives the second workspace the test split's items", async () => {
    const items = await testItems(second, testVersionId);
    expect(items).toHaveLength(6);
    expect(items).toEqual(await testItems(first, testVersionId));
  });

  it("trains through the second workspace from the bucket, images included", async () => {
    const uploads: string[] = [];
    const services: ExperimentServices = {
      client: () => new OpenAI({ apiKey: "unused", baseURL: "http://127.0.0.1:9/v1" }),
      trainer: () => recordingTrainer(uploads),
      evaluationSetup: () => Promise.reject(new Error("no evaluation here")),
    };
    const { experiment } = await createExperiment(second, { project: "p", dataset: "train@1", provider: "local", model: "local-small" });
    const done = await runExperiment(second, services, experiment.id, new AbortController().signal);
    expect(done.error).toBe("stopped after the upload");
    expect(uploads).toHaveLength(1);
    const urls = (uploads[0] ?? "")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line).messages[0].content[1].image_url.url);
    expect(urls).toEqual(Array(10).fill(`data:image/png;base64,${IMAGES.pngRgb}`));
    expect(cachedFiles(second)).toHaveLength(3);
  });

  it("does not upload again what the bucket has when the second workspace imports the same content", async () => {
    const version = await findVersionById(second.db, testVersionId);
    if (!version) throw new Error("no version");
    const puts = s3.requests.filter((r) => r.method === "PUT").length;
    const again = await importDataset(second, {
      project: "q",
      dataset: "copy",
      fileName: "copy.jsonl",
      text: await loadVersionText(second, version),
    });
    if (again.status !== "created") throw new Error(JSON.stringify(again.report.issues));
    expect(again.version.contentHash).toBe(version.contentHash);
    expect(s3.requests.filter((r) => r.method === "PUT").length).toBe(puts);
  });

  it("takes a large import off the main thread to the bucket as well (the worker's blobs come from the environment)", async () => {
    for (const [name, value] of Object.entries(bucketEnv())) vi.stubEnv(name, value);
    const big = jsonl(Array.from({ length: 2_000 }, (_, i) => chat(`my invoice ${i} is wrong`, '{"category":"billing"}')));
    expect(Buffer.byteLength(big)).toBeGreaterThan(OFF_THREAD_BYTES);
    const pending = importDataset(first, { project: "p", dataset: "big", fileName: "big.jsonl", bytes: Buffer.from(big) });
    expect(runningWorkerTasks()).toBeGreaterThan(0);
    const imported = await pending;
    if (imported.status !== "created") throw new Error(JSON.stringify(imported.report.issues));
    const { contentHash } = imported.version;
    expect(s3.objects.has(`team-blobs/tunelab/${contentHash.slice(0, 2)}/${contentHash}`)).toBe(true);
    expect(await loadVersionText(second, imported.version)).toBe(await loadVersionText(first, imported.version));
    expect(imported.version.exampleCount).toBe(2_000);
  });
});
