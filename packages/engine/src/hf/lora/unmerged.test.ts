/**
 * Serving a LoRA-tuned model applies the adapter unmerged (y = x·Wᵀ + s·(x·Aᵀ)·Bᵀ, W the base's bf16 weights); it must
 * answer as the merged model (W + s·B·A in float32, what merged exports hold) does: logits at every prompt position,
 * greedy tokens with their log-probabilities, and embeddings, on the llama, qwen2 and qwen3 fixtures.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { nativeKernels } from "../../trainer/kernels/native.ts";
import { createChatCodec } from "../chat-codec.ts";
import { embedTokens } from "../embed.ts";
import { openHfDecoderModel, openHfModel } from "../load.ts";
import { HfDecoder } from "../model/decoder.ts";
import { generateHf } from "../model/generate.ts";
import { FIXTURES_DIR } from "../test-support/broken-checkpoints.ts";
import { mergeLora } from "./merge.ts";
import { readPeftAdapter } from "./peft.ts";
import { writeRandomAdapter } from "./test-support/random-adapter.ts";

const root = mkdtempSync(join(tmpdir(), "tunelab-unmerged-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const k = nativeKernels();
const messages = [
  { role: "system" as const, content: "Route the ticket." },
  { role: "user" as const, content: "My invoice was charged twice this month." },
];
const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] as number))), 0);

describe.each(["llama", "qwen2", "qwen3"])("a LoRA-tuned %s served unmerged", (fixture) => {
  const dir = join(FIXTURES_DIR, fixture);
  const adapterDir = join(root, fixture);
  const setup = () => {
    mkdirSync(adapterDir, { recursive: true });
    const arch = openHfDecoderModel(dir, k).arch;
    writeRandomAdapter(
      adapterDir,
      arch,
      { rank: 4, alpha: 12, dropout: 0, targets: ["q_proj", "v_proj", "o_proj", "gate_proj", "down_proj"] },
      k,
      5,
      0.2,
    );
    const merged = openHfDecoderModel(dir, k);
    mergeLora(k, merged.weights, readPeftAdapter(adapterDir, merged.arch, k));
    const unmerged = openHfDecoderModel(dir, k);
    unmerged.lora = readPeftAdapter(adapterDir, unmerged.arch, k, { inference: true });
    return { base: openHfDecoderModel(dir, k), merged, unmerged };
  };

  it("gives the merged model's logits at every position, and keeps the base's weights as loaded", () => {
    const { base, merged, unmerged } = setup();
    const ids = Array.from({ length: 12 }, (_, i) => (i * 37 + 5) % base.arch.vocab);
    const logits = (m: typeof base) => new HfDecoder(m, ids.length).feed(ids, true);
    const want = logits(merged);
    const got = logits(unmerged);
    const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    // the adapter changes the model well beyond the tolerance, so agreeing is not agreeing with the base
    expect(maxAbsDiff(logits(base), want) / scale).toBeGreaterThan(1e-2);
    expect(maxAbsDiff(got, want) / scale).toBeLessThan(1e-5);
    for (const [l, layer] of unmerged.weights.layers.entries())
      for (const [p, lin] of Object.entries(layer.proj))
        expect(lin.w, `layer ${l} ${p}`).toBeInstanceOf(base.weights.layers[l]?.proj[p as "q_proj"].w.constructor as never);
    expect(unmerged.lora?.grads.length).toBe(0);
  });

  it("answers a chat completion with the merged model's greedy tokens and log-probabilities, and its embeddings", async () => {
    const { merged } = setup();
    const codec = await createChatCodec(dir);
    const served = await openHfModel(dir, { adapterDir }, k);
    const sampling = { maxTokens: 8, temperature: 0, topP: 1, logprobs: 3 };
    const want = generateHf(merged, codec, messages, undefined, sampling);
    const got = served.complete(messages, undefined, sampling);
    expect(got.logprobs?.length).toBeGreaterThan(0);
    expect(got.text).toBe(want.text);
    expect(got.completionTokens).toBe(want.completionTokens);
    expect(got.logprobs?.map((t) => t.token)).toEqual(want.logprobs?.map((t) => t.token));
    got.logprobs?.forEach((t, i) => {
      expect(Math.abs(t.logprob - (want.logprobs?.[i]?.logprob as number)), `token ${i}`).toBeLessThan(1e-4);
    });
    const inputs = ["refund my order", "the app crashes on start"];
    const wantVectors = embedTokens(
      merged,
      inputs.map((s) => codec.encodeText(s)),
    ).vectors;
    const gotVectors = served.embed?.(inputs).vectors ?? [];
    expect(gotVectors).toHaveLength(2);
    for (const [i, v] of gotVectors.entries()) expect(maxAbsDiff(v, wantVectors[i] as Float32Array)).toBeLessThan(1e-5);
  });
});
