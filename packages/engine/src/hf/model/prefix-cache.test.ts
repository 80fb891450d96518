/**
 * PrefixCache: a prompt that begins as an earlier one did starts from that prompt's cached key/value rows and reads only
 * the rest, and its logits, and those of the tokens decoded after it, are bit for bit those of the prompt read whole, on
 * every fixture architecture, on a base held in 8 bits and with a LoRA adapter applied unmerged. Completions served with
 * the cache are the ones served without it. Which rows are reused (whole attention blocks, at least MIN_SUFFIX tokens
 * read anew) and what is kept (the budget, least recently used first) follow the rules in prefix-cache.ts.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { nativeKernels } from "../../trainer/kernels/native.ts";
import { Rng } from "../../trainer/train/rng.ts";
import type { ChatExample, Completion, SamplingParams } from "../../trainer/types.ts";
import { createChatCodec } from "../chat-codec.ts";
import { openHfDecoderModel } from "../load.ts";
import { LoraSettings } from "../lora/settings.ts";
import { randomLora } from "../lora/test-support/sft-dpo-step.ts";
import { LINEAR_PROJECTIONS } from "../tensor-names.ts";
import { type DecoderModel, HfDecoder } from "./decoder.ts";
import { generateHf } from "./generate.ts";
import { MIN_SUFFIX, PREFIX_BLOCK, PrefixCache, reusableLength } from "./prefix-cache.ts";

const FIXTURES = fileURLToPath(new URL("../../../fixtures/hf/", import.meta.url));
const k = nativeKernels();
const UNLIMITED = 2 ** 40;

const tokens = (rng: Rng, n: number, vocab: number) => Array.from({ length: n }, () => Math.floor(rng.next() * vocab));

/**
 * Two prompts sharing their first 110 tokens: the first read through the cache (which keeps its rows), the second read
 * through it too and, apart, whole; then 4 more tokens decoded after each. The largest difference of their logits.
 */
function compare(model: DecoderModel): { maxDiff: number; cache: PrefixCache } {
  const rng = new Rng(5);
  const vocab = model.arch.vocab;
  const shared = tokens(rng, 110, vocab);
  const first = [...shared, ...tokens(rng, 23, vocab)];
  const second = [...shared, ...tokens(rng, 17, vocab)];
  const next = tokens(rng, 4, vocab);
  const cache = new PrefixCache(UNLIMITED);
  cache.feedPrompt(new HfDecoder(model, 160), first);
  const cached = new HfDecoder(model, 160);
  const whole = new HfDecoder(model, 160);
  const got = [cache.feedPrompt(cached, second).logits];
  const want = [whole.feed(second)];
  for (const id of next) {
    got.push(cached.feed([id]));
    want.push(whole.feed([id]));
  }
  let maxDiff = 0;
  want.forEach((w, t) => {
    const g = got[t] as Float32Array;
    for (let i = 0; i < w.length; i++) maxDiff = Math.max(maxDiff, Math.abs((w[i] as number) - (g[i] as number)));
  });
  return { maxDiff, cache };
}

describe("a prompt read after cached rows of another prompt with the same beginning", () => {
  it.each(["qwen2", "llama", "qwen3", "mistral", "smollm3", "gemma3", "gemma2", "phi3", "granite"])(
    "gives the logits of the prompt read whole, bit for bit (%s)",
    (fixture) => {
      const { maxDiff, cache } = compare(openHfDecoderModel(`${FIXTURES}${fixture}`, k));
      expect(cache.hits).toBe(1);
      expect(cache.reusedTokens).toBe(96); // 110 shared tokens: two whole blocks of 48
      expect(maxDiff).toBe(0);
    },
  );

  it("on a base held in 8 bits, and with a LoRA adapter applied unmerged", () => {
    expect(compare(openHfDecoderModel(`${FIXTURES}qwen2`, k, { weights: "q8_0" })).maxDiff).toBe(0);
    const tuned = openHfDecoderModel(`${FIXTURES}phi3`, k);
    tuned.lora = randomLora(
      k,
      tuned.arch,
      LoraSettings.parse({ rank: 4, alpha: 8, dropout: 0, targets: [...LINEAR_PROJECTIONS] }),
      new Rng(3),
    );
    expect(compare(tuned).maxDiff).toBe(0);
  });

  it("reading the prompt in other pieces would not be bit for bit (why rows are reused only in whole blocks)", () => {
    const model = openHfDecoderModel(`${FIXTURES}qwen2`, k);
    const prompt = tokens(new Rng(9), 120, model.arch.vocab);
    const whole = new HfDecoder(model, 130).feed(prompt);
    const pieces = new HfDecoder(model, 130);
    pieces.feed(prompt.slice(0, 50));
    const split = pieces.feed(prompt.slice(50));
    expect(Math.max(...whole.map((w, i) => Math.abs(w - (split[i] as number))))).toBeGreaterThan(0);
  });
});

describe("what is reused and what is kept", () => {
  const seq = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

  it("whole blocks of the common beginning, leaving at least MIN_SUFFIX tokens to read", () => {
    expect(PREFIX_BLOCK).toBe(48);
    expect(reusableLength(seq(200), [...seq(100), ...seq(30, 1000)])).toBe(96);
    expect(reusableLength(seq(200), seq(100))).toBe(48); // the same prompt: 100 - MIN_SUFFIX may be reused, not two blocks
    expect(reusableLength(seq(96), seq(96 + MIN_SUFFIX))).toBe(96);
    expect(reusableLength(seq(200), [...seq(47), 9999, ...seq(100)])).toBe(0);
    expect(reusableLength(seq(30), seq(30))).toBe(0);
  });

  it("keeps each prompt's whole blocks once, drops the least recently used over its budget, and keeps none over it", () => {
    const model = openHfDecoderModel(`${FIXTURES}qwen2`, k);
    const rowBytes = new HfDecoder(model, 1).rowBytes(1);
    const cache = new PrefixCache(rowBytes * 200);
    const read = (prompt: number[]) => cache.feedPrompt(new HfDecoder(model, prompt.length), prompt);
    // an ending of its own, long enough to leave MIN_SUFFIX tokens after the shared rows
    const tail = (n: number) => seq(MIN_SUFFIX + 3, 200 + n);
    const a = [...seq(100), ...tail(7)];
    read(a); // keeps 96 rows
    read([...seq(100), ...tail(8)]); // reuses a's 96, keeps nothing new: a holds them
    expect([cache.hits, cache.reusedTokens, cache.bytes]).toEqual([1, 96, rowBytes * 96]);
    read([...seq(150), ...tail(9)]); // extends a: 144 rows replace a's 96
    expect([cache.hits, cache.reusedTokens, cache.bytes]).toEqual([2, 192, rowBytes * 144]);
    read(seq(60, 300)); // another beginning: 48 more rows (192 of 200)
    expect(cache.bytes).toBe(rowBytes * 192);
    read(seq(60, 380)); // 48 more would pass the budget: the least recently used (the 144) goes
    expect(cache.bytes).toBe(rowBytes * 96);
    read([...seq(150), ...tail(10)]); // so this reads whole
    expect(cache.hits).toBe(2);
    const small = new PrefixCache(rowBytes * 40);
    small.feedPrompt(new HfDecoder(model, 60), seq(60));
    expect(small.bytes).toBe(0); // one block is more than its budget
  });

  it("completions served with the cache are those served without it, the shared system message read once", async () => {
    const dir = `${FIXTURES}qwen2`;
    const plain = openHfDecoderModel(dir, k);
    const cached: DecoderModel = { ...openHfDecoderModel(dir, k), prefixes: new PrefixCache(UNLIMITED) };
    const codec = await createChatCodec(dir, plain.arch.vocab);
    const system = "You route support tickets to billing, technical or account. Answer with the team's name only, nothing else.";
    const asks = ["my invoice is wrong", "the app crashes", "reset my password", "billed twice", "the app crashes"];
    const samplings: SamplingParams[] = [
      { temperature: 0, topP: 1, maxTokens: 8, logprobs: 2 },
      { temperature: 1.1, topP: 0.9, maxTokens: 8, seed: 4 },
    ];
    const reused: number[] = [];
    for (const sampling of samplings)
      for (const ask of asks) {
        const messages: ChatExample["messages"] = [
          { role: "system", content: system },
          { role: "user", content: ask },
        ];
        const want: Completion = generateHf(plain, codec, messages, undefined, sampling);
        const got = generateHf(cached, codec, messages, undefined, sampling);
        expect(want.cachedTokens).toBeUndefined();
        expect({ ...got, cachedTokens: undefined }).toEqual(want);
        reused.push(got.cachedTokens ?? 0);
      }
    const prefixes = cached.prefixes as PrefixCache;
    expect(prefixes.hits).toBe(2 * asks.length - 1);
    // every prompt after the first says how many of its tokens came from the cache (usage.prompt_tokens_details)
    expect(reused[0]).toBe(0);
    expect(reused.slice(1).every((n) => n >= PREFIX_BLOCK && n % PREFIX_BLOCK === 0)).toBe(true);
    expect(reused.reduce((a, b) => a + b)).toBe(prefixes.reusedTokens);
  });
});
