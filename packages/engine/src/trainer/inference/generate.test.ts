import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nativeKernels } from "../kernels/native.ts";
import { forward } from "../model/forward.ts";
import { Transformer } from "../model/transformer.ts";
import { labelOf, SYSTEM, TINY_SPEC, tinyRequest, WORDS } from "../train/fixtures.test-helpers.ts";
import { runTraining } from "../train/loop.ts";
import { Rng } from "../train/rng.ts";
import type { LoadedModel } from "../types.ts";
import { Decoder } from "./decoder.ts";
import { loadModel } from "./load.ts";

const root = mkdtempSync(join(tmpdir(), "tunelab-gen-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const ask = (w: string) => [
  { role: "system", content: SYSTEM },
  { role: "user", content: w },
];

describe("inference", () => {
  let model: LoadedModel;
  beforeAll(async () => {
    const r = runTraining(tinyRequest(join(root, "m"), { hyperparameters: { nEpochs: 80, batchSize: 4, learningRateMultiplier: 1 } }));
    model = await loadModel(r.finalModelDir);
  });

  it("KV-cached incremental decoding gives the same logits as a full forward pass", () => {
    const k = nativeKernels();
    const spec = { name: "t", vocabSize: 50, dModel: 32, nLayers: 2, nHeads: 4, contextLength: 24 };
    const m = new Transformer(spec, k);
    m.initialize(new Rng(9));
    const ids = Array.from({ length: 20 }, (_, i) => (i * 7) % 50);
    forward(m, Int32Array.from(ids), 1, ids.length);
    const full = m.workspace?.logits.slice((ids.length - 1) * 50, ids.length * 50) as Float32Array;
    const dec = new Decoder(m);
    dec.feed(ids.slice(0, 12));
    for (const id of ids.slice(12, -1)) dec.feed([id]);
    const inc = dec.feed(ids.slice(-1));
    for (let i = 0; i < 50; i++) expect(inc[i]).toBeCloseTo(full[i] as number, 4);
  });

  it("greedy completions answer the trained task, with token counts and stop reason", () => {
    const out = model.complete(ask(WORDS[1] as string), undefined, { maxTokens: 8, temperature: 0, topP: 1 });
    expect(out).toMatchObject({ text: labelOf(1), finishReason: "stop" });
    expect(out.promptTokens).toBe(model.countPromptTokens(ask(WORDS[1] as string)));
    expect(out.completionTokens).toBeGreaterThanOrEqual(2);
    expect(out.toolCalls).toBeUndefined();
  });

  it("sampling is reproducible for a seed; max tokens and stop sequences cut the text", () => {
    const hot = { maxTokens: 6, temperature: 1.5, topP: 0.95 };
    const a = [1, 2, 3].map((seed) => model.complete(ask("qqq zzz"), undefined, { ...hot, seed }).text);
    const b = [1, 2, 3].map((seed) => model.complete(ask("qqq zzz"), undefined, { ...hot, seed }).text);
    expect(a).toEqual(b);
    const short = model.complete(ask(WORDS[0] as string), undefined, { maxTokens: 1, temperature: 0, topP: 1 });
    expect(short.finishReason).toBe("length");
    expect(short.completionTokens).toBe(1);
    const label = labelOf(0);
    const stopped = model.complete(ask(WORDS[0] as string), undefined, { maxTokens: 8, temperature: 0, topP: 1, stop: [label.slice(2)] });
    expect(stopped).toMatchObject({ text: label.slice(0, 2), finishReason: "stop" });
  });

  it("streams the content through onToken", () => {
    const pieces: string[] = [];
    const out = model.complete(ask(WORDS[2] as string), undefined, { maxTokens: 8, temperature: 0, topP: 1 }, (t) => pieces.push(t));
    expect(pieces.join("")).toBe(out.text);
    expect(pieces.length).toBeGreaterThan(0);
  });

  it("an untrained base size answers too (seeded random weights)", async () => {
    const base = await loadModel({ spec: { name: "local-tiny", vocabSize: 512, dModel: 64, nLayers: 2, nHeads: 4, contextLength: 256 } });
    const out = base.complete(ask("hi"), undefined, { maxTokens: 5, temperature: 0, topP: 1 });
    expect(out.completionTokens).toBeLessThanOrEqual(5);
    // It reads bytes, so its context covers 4× the size's in positions.
    expect(base.contextLength).toBe(1024);
  });
});

describe("function calling", () => {
  it("trains on tool calls and returns them parsed", async () => {
    const tools = [
      { type: "function", function: { name: "lookup", parameters: { type: "object", properties: { word: { type: "string" } } } } },
    ];
    const training = WORDS.slice(0, 8).map((w, i) => ({
      tools,
      messages: [
        { role: "user", content: w },
        i % 2 === 0
          ? {
              role: "assistant",
              tool_calls: [{ id: `c${i}`, type: "function", function: { name: "lookup", arguments: JSON.stringify({ word: w }) } }],
            }
          : { role: "assistant", content: labelOf(i) },
      ],
    }));
    const r = runTraining(
      tinyRequest(join(root, "tools"), {
        base: { spec: { ...TINY_SPEC, contextLength: 128 } },
        training,
        hyperparameters: { nEpochs: 100, batchSize: 4, learningRateMultiplier: 1 },
      }),
    );
    const model = await loadModel(r.finalModelDir);
    const call = model.complete([{ role: "user", content: WORDS[0] as string }], tools, { maxTokens: 40, temperature: 0, topP: 1 });
    expect(call.finishReason).toBe("tool_calls");
    expect(call.toolCalls?.[0]?.function).toEqual({ name: "lookup", arguments: JSON.stringify({ word: WORDS[0] }) });
    const text = model.complete([{ role: "user", content: WORDS[1] as string }], tools, { maxTokens: 40, temperature: 0, topP: 1 });
    expect(text).toMatchObject({ text: labelOf(1), finishReason: "stop" });
  });
});
