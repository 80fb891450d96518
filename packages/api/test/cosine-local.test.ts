// text_similarity `cosine` on the local engine: the grader (tunelab's `embedding_model` extension) embeds through the
// real engine's /v1/embeddings with a registered open-weight model (the tiny Llama fixture), over the official SDK;
// each text is embedded once per process (the second grading of the same texts sends no request).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createEngine, type Engine, registerBaseModel } from "@tunelab/engine";
import { parseGraderConfig, runGrader, toEvalItem, toSample } from "@tunelab/evals";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const LLAMA = fileURLToPath(new URL("../../../packages/engine/fixtures/hf/llama", import.meta.url));
let root: string;
let engine: Engine;
let client: OpenAI;
const requests: string[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "tunelab-cosine-"));
  engine = await createEngine({ root, runJobs: false });
  await registerBaseModel(engine.store, { dir: LLAMA, name: "tiny-llama" });
  client = new OpenAI({
    apiKey: "local",
    baseURL: "http://engine.local/v1",
    maxRetries: 0,
    fetch: async (input, init) => {
      requests.push(String(input));
      return engine.app.fetch(new Request(input, init));
    },
  });
});
afterAll(async () => {
  await engine?.close();
  rmSync(root, { recursive: true, force: true });
});

const cosine = (threshold: number, embedding_model = "tiny-llama") =>
  parseGraderConfig({
    type: "text_similarity",
    name: "meaning",
    input: "{{sample.output_text}}",
    reference: "{{item.reference}}",
    evaluation_metric: "cosine",
    embedding_model,
    pass_threshold: threshold,
  });
const item = toEvalItem(
  {
    messages: [
      { role: "user", content: "?" },
      { role: "assistant", content: "The refund was issued today." },
    ],
  },
  0,
);

describe("text_similarity cosine with a local open-weight model", () => {
  it("scores the output against the reference with the engine's embeddings, and caches them", async () => {
    const same = await runGrader(cosine(0.999), toSample("The refund was issued today."), item, { client });
    expect(same).toMatchObject({ passed: true, score: expect.closeTo(1, 5) });
    const near = await runGrader(cosine(0), toSample("The refund was issued today!"), item, { client });
    const far = await runGrader(cosine(0), toSample("Quantum chromodynamics of gluons"), item, { client });
    expect(near.score).toBeGreaterThan(far.score as number);
    expect(requests.filter((u) => u.endsWith("/embeddings")).length).toBe(3);
    const again = await runGrader(cosine(0), toSample("The refund was issued today!"), item, { client });
    expect(again.score).toBe(near.score);
    expect(requests.filter((u) => u.endsWith("/embeddings")).length).toBe(3);
  });

  it("reports a model without embeddings as the grader's error, and refuses embedding_model on other metrics", async () => {
    const local = await runGrader(cosine(0.5, "local-tiny"), toSample("x"), item, { client });
    expect(local.error?.message ?? local.reason).toMatch(/does not support embeddings/);
    expect(() =>
      parseGraderConfig({
        type: "text_similarity",
        name: "m",
        input: "{{sample.output_text}}",
        reference: "{{item.reference}}",
        evaluation_metric: "bleu",
        embedding_model: "tiny-llama",
        pass_threshold: 0.5,
      }),
    ).toThrow(/embedding_model/);
  });
});
