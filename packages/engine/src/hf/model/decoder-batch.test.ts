/**
 * HfDecoder.feedBatch: a decoding step of several sequences at once (their projections and MLP computed on all rows
 * together, each row's attention over its own cache) gives each sequence the logits it gets decoded alone, for every
 * fixture architecture (sliding windows, q/k norms, partial rotary and stacked projections, soft-capping, Granite's
 * scales), on weights as stored (bf16), in 8 bits, and with a LoRA adapter applied unmerged.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { nativeKernels } from "../../trainer/kernels/native.ts";
import { Rng } from "../../trainer/train/rng.ts";
import { openHfDecoderModel } from "../load.ts";
import { LoraSettings } from "../lora/settings.ts";
import { randomLora } from "../lora/test-support/sft-dpo-step.ts";
import { LINEAR_PROJECTIONS } from "../tensor-names.ts";
import { type DecoderModel, HfDecoder } from "./decoder.ts";
import { MAX_BATCH } from "./generate.ts";

const FIXTURES = fileURLToPath(new URL("../../../fixtures/hf/", import.meta.url));
const k = nativeKernels();

/** Prompts of different lengths, then `steps` tokens each: alone, and as batched steps of all sequences. */
function compare(model: DecoderModel, steps = 6): { maxDiff: number; sameArgmax: boolean } {
  const rng = new Rng(7);
  const vocab = model.arch.vocab;
  // as many sequences as a step decodes together (MAX_BATCH), of different lengths
  const prompts = Array.from({ length: MAX_BATCH }, (_, i) => [5, 17, 2, 11][i % 4] as number).map((n) =>
    Array.from({ length: n }, () => Math.floor(rng.next() * vocab)),
  );
  const next = prompts.map(() => Array.from({ length: steps }, () => Math.floor(rng.next() * vocab)));
  const alone = prompts.map((p, s) => {
    const dec = new HfDecoder(model, 64);
    const out = [dec.feed(p)];
    for (const id of next[s] as number[]) out.push(dec.feed([id]));
    return out;
  });
  const decs = prompts.map(() => new HfDecoder(model, 64));
  const batched = prompts.map((p, s) => [(decs[s] as HfDecoder).feed(p)]);
  for (let t = 0; t < steps; t++) {
    const logits = HfDecoder.feedBatch(
      decs,
      next.map((ids) => ids[t] as number),
    );
    logits.forEach((l, s) => {
      batched[s]?.push(l);
    });
  }
  let maxDiff = 0;
  let sameArgmax = true;
  const argmax = (v: Float32Array) => v.indexOf(Math.max(...v));
  alone.forEach((seq, s) => {
    seq.forEach((l, t) => {
      const b = batched[s]?.[t] as Float32Array;
      for (let i = 0; i < l.length; i++) maxDiff = Math.max(maxDiff, Math.abs((l[i] as number) - (b[i] as number)));
      sameArgmax &&= argmax(l) === argmax(b);
    });
  });
  return { maxDiff, sameArgmax };
}

describe("a batched decoding step", () => {
  it.each(["qwen2", "llama", "qwen3", "mistral", "smollm3", "gemma3", "gemma2", "phi3", "granite"])(
    "gives each sequence of %s the logits it gets decoded alone",
    (fixture) => {
      const r = compare(openHfDecoderModel(`${FIXTURES}${fixture}`, k));
      // bit for bit: up to GEMV_ROWS rows, each row of a matrix product is summed as a lone row's
      expect(r.maxDiff).toBe(0);
      expect(r.sameArgmax).toBe(true);
    },
  );

  it("says what its key/value cache holds (the inference worker's batch budget)", () => {
    const model = openHfDecoderModel(`${FIXTURES}gemma3`, k);
    const dec = new HfDecoder(model, 40);
    const caches = dec as unknown as { kCache: Float32Array[]; vCache: Float32Array[] };
    const held = [...caches.kCache, ...caches.vCache].reduce((sum, c) => sum + c.byteLength, 0);
    expect(dec.cacheBytes).toBe(held);
    expect(held).toBeGreaterThan(0);
  });

  it("on a base held in 8 bits, and with a LoRA adapter applied unmerged", () => {
    const q8 = openHfDecoderModel(`${FIXTURES}qwen2`, k, { weights: "q8_0" });
    expect(compare(q8).maxDiff).toBe(0);
    const tuned = openHfDecoderModel(`${FIXTURES}phi3`, k);
    tuned.lora = randomLora(
      k,
      tuned.arch,
      LoraSettings.parse({ rank: 4, alpha: 8, dropout: 0, targets: [...LINEAR_PROJECTIONS] }),
      new Rng(3),
    );
    const base = compare(openHfDecoderModel(`${FIXTURES}phi3`, k));
    const adapted = compare(tuned);
    expect(adapted.maxDiff).toBe(0);
    expect(base.maxDiff).toBe(0);
  });
});
