// What a provider receives as the training file of a version with http(s) images: the local engine gets them as
// data: URLs of the bytes fetched at import (it reads no other images, and nothing is fetched again); a hosted
// provider gets the version's JSONL unchanged, URLs and all.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { IMAGES } from "@tunelab/formats/test-support/images";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findVersionById } from "../datasets/dataset.repository.ts";
import { importDataset } from "../datasets/import-dataset.ts";
import { loadVersionText } from "../datasets/version-content.ts";
import type { Trainer } from "../providers/trainers/trainer.ts";
import { jsonl, tempWorkspace } from "../test-support/temp-workspace.ts";
import { createExperiment } from "./create-experiment.ts";
import { type ExperimentServices, runExperiment } from "./run-experiment.ts";

const PNG = Buffer.from(IMAGES.pngRgb, "base64");
let server: Server;
let imageUrl: string;
let fetches = 0;
let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let versionId: string;

beforeAll(async () => {
  server = createServer((_req, res) => {
    fetches++;
    res.writeHead(200, { "content-type": "image/png" }).end(PNG);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  imageUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/seven.png`;
  ws = await tempWorkspace();
  const lines = Array.from({ length: 10 }, (_, i) =>
    JSON.stringify({
      messages: [
        { role: "system", content: "Read the digit." },
        {
          role: "user",
          content: [
            { type: "text", text: `image ${i}` },
            { type: "image_url", image_url: { url: imageUrl } },
          ],
        },
        { role: "assistant", content: '{"digit":7}' },
      ],
    }),
  );
  const imported = await importDataset(ws, { project: "p", dataset: "train", fileName: "digits.jsonl", text: jsonl(lines) });
  if (imported.status !== "created") throw new Error(JSON.stringify(imported.report.issues));
  versionId = imported.version.id;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await ws.dispose();
});

/** A trainer that keeps what it is given and stops the experiment at job creation. */
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

async function uploadedFor(provider: string, model: string): Promise<string> {
  const uploads: string[] = [];
  const services: ExperimentServices = {
    client: () => new OpenAI({ apiKey: "unused", baseURL: "http://127.0.0.1:9/v1" }),
    trainer: () => recordingTrainer(uploads),
    evaluationSetup: () => Promise.reject(new Error("no evaluation here")),
  };
  const { experiment } = await createExperiment(ws, { project: "p", dataset: "train@1", provider, model });
  const done = await runExperiment(ws, services, experiment.id, new AbortController().signal);
  expect(done.error).toBe("stopped after the upload");
  expect(uploads).toHaveLength(1);
  return uploads[0] ?? "";
}

describe("the training file of a version with http(s) images", () => {
  it("reaches the local engine with data: URLs, without fetching again", async () => {
    const before = fetches;
    const text = await uploadedFor("local", "local-small");
    expect(fetches).toBe(before);
    expect(text).not.toContain(imageUrl);
    const parts = text
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l).messages[1].content[1].image_url.url);
    expect(parts).toEqual(Array(10).fill(`data:image/png;base64,${IMAGES.pngRgb}`));
  });

  it("reaches a hosted provider byte for byte as stored", async () => {
    const version = await findVersionById(ws.db, versionId);
    const text = await uploadedFor("openai", "gpt-4o-mini-2024-07-18");
    expect(text).toBe(await loadVersionText(ws, version ?? (await Promise.reject(new Error("no version")))));
    expect(text).toContain(imageUrl);
  });
});
