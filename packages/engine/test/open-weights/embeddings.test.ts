/**
 * POST /v1/embeddings through the official SDK (which asks for base64 and decodes it): the mean-pooled,
 * unit-length final hidden states of a registered open-weight model, checked against the independent PyTorch
 * reference (scripts/hf_reference.py embed → fixtures/hf/embeddings.json); texts embed as their tokens do;
 * OpenAI's errors for what the engine cannot embed.
 */
import { readFileSync } from "node:fs";
import type OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerBaseModel } from "../../src/index.ts";
import { engineWithClient, refusal } from "../engine-client.ts";
import { FIXTURES } from "./reference.ts";

interface Reference {
  models: Record<string, { inputs: number[][]; vectors: number[][] }>;
}
const reference = JSON.parse(readFileSync(`${FIXTURES}embeddings.json`, "utf8")) as Reference;

let ctx: Awaited<ReturnType<typeof engineWithClient>>;
let client: OpenAI;
beforeAll(async () => {
  ctx = await engineWithClient({ runJobs: false });
  client = ctx.client;
  for (const name of Object.keys(reference.models))
    await registerBaseModel(ctx.engine.store, { dir: `${FIXTURES}${name}`, name: `tiny-${name}` });
});
afterAll(async () => ctx?.dispose());

const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * (b[i] as number), 0) / (norm(a) * norm(b));

describe("/v1/embeddings on open-weight models", () => {
  for (const [name, ref] of Object.entries(reference.models)) {
    it(`tiny-${name}: token-id inputs match the PyTorch reference (≤ 1e-4), in order, unit length, with usage`, async () => {
      const response = await client.embeddings.create({ model: `tiny-${name}`, input: ref.inputs });
      expect(response.object).toBe("list");
      expect(response.model).toBe(`tiny-${name}`);
      expect(response.data.map((d) => d.index)).toEqual(ref.inputs.map((_, i) => i));
      for (const [i, d] of response.data.entries()) {
        const want = ref.vectors[i] as number[];
        expect(d.embedding).toHaveLength(want.length);
        expect(Math.max(...d.embedding.map((x, j) => Math.abs(x - (want[j] as number))))).toBeLessThan(1e-4);
        expect(norm(d.embedding)).toBeCloseTo(1, 5);
      }
      const tokens = ref.inputs.reduce((s, ids) => s + ids.length, 0);
      expect(response.usage).toEqual({ prompt_tokens: tokens, total_tokens: tokens });
    });
  }

  it("embeds texts (as floats or base64), similar texts closer than unrelated ones", async () => {
    const texts = ["The refund was issued today.", "The refund was issued today!", "Quantum chromodynamics of gluons"];
    const floats = await client.embeddings.create({ model: "tiny-llama", input: texts, encoding_format: "float" });
    const viaSdk = await client.embeddings.create({ model: "tiny-llama", input: texts }); // the SDK's default: base64, decoded
    const [a, b, c] = floats.data.map((d) => d.embedding) as [number[], number[], number[]];
    for (const [i, d] of viaSdk.data.entries()) {
      const want = floats.data[i]?.embedding as number[];
      expect(d.embedding.every((x, j) => Math.abs(x - (want[j] as number)) < 1e-7)).toBe(true);
    }
    expect(cosine(a, b)).toBeGreaterThan(cosine(a, c));
    const one = await client.embeddings.create({ model: "tiny-llama", input: texts[0] as string, encoding_format: "float" });
    expect(one.data).toHaveLength(1);
    expect(one.data[0]?.embedding).toEqual(a);
  });

  it("refuses what it cannot embed, as OpenAI answers", async () => {
    const local = await refusal(client.embeddings.create({ model: "local-tiny", input: "hello" }));
    expect(local.status).toBe(400);
    expect(local.message).toMatch(/does not support embeddings/);
    const missing = await refusal(client.embeddings.create({ model: "nope", input: "hello" }));
    expect(missing.status).toBe(404);
    const dims = await refusal(client.embeddings.create({ model: "tiny-llama", input: "hello", dimensions: 8 }));
    expect(dims.status).toBe(400);
    expect(dims.message).toMatch(/dimensions/);
    const empty = await refusal(client.embeddings.create({ model: "tiny-llama", input: "" }));
    expect(empty.status).toBe(400);
    const outside = await refusal(client.embeddings.create({ model: "tiny-llama", input: [[1, 2, 99999]] }));
    expect(outside.status).toBe(400);
    expect(outside.message).toMatch(/vocabulary/);
    const long = await refusal(client.embeddings.create({ model: "tiny-llama", input: [Array.from({ length: 40_000 }, () => 5)] }));
    expect(long.status).toBe(400);
    expect(long.message).toMatch(/maximum context length/);
  });
});
