/**
 * Mistral 7B v0.1's sliding window (and its fine-tunes': Zephyr, OpenHermes): `sliding_window` 4,096 below a context of
 * 32,768, over every layer. Such checkpoints were refused; they now register and run the window. On a copy of the
 * mistral fixture with a window of 12 (the prompts are 49–212 tokens): the engine's log-probabilities differ from the
 * causal fixture's, and with Debian's torch the independent PyTorch reference (modeling_mistral's mask) scores the copy
 * as the engine serves it. Its GGUF says a context of the window: llama.cpp's `llama` has no window, and within it
 * computes what the engine does.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attentionWindow, parseHfConfig } from "../../src/hf/config.ts";
import { exportBaseModel } from "../../src/hf/export-base.ts";
import { registerBaseModel } from "../../src/index.ts";
import { engineWithClient } from "../engine-client.ts";
import { ggufAgainstEngine, llamaCppOrSkip } from "../llama-cpp.ts";
import {
  type EngineScore,
  engineScores,
  FIXTURES,
  maxDifference,
  maxEngineDifference,
  referenceScores,
  torchVersion,
  writeConversations,
} from "./export-support.ts";

const TORCH = torchVersion();
const llama = await llamaCppOrSkip("mistral-window.test.ts");
const WINDOW = 12;
let ctx: Awaited<ReturnType<typeof engineWithClient>>;
let work: string;
let windowDir: string;
let windowed: EngineScore[];
let causal: EngineScore[];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "tunelab-mistral-window-"));
  windowDir = join(work, "mistral-window");
  cpSync(join(FIXTURES, "mistral"), windowDir, { recursive: true });
  const config = JSON.parse(readFileSync(join(windowDir, "config.json"), "utf8")) as Record<string, unknown>;
  writeFileSync(join(windowDir, "config.json"), JSON.stringify({ ...config, sliding_window: WINDOW }, null, 2));
  ctx = await engineWithClient({ checkpointEvery: 1000 });
  await registerBaseModel(ctx.engine.store, { dir: windowDir, name: "tiny-mistral-window" });
  await registerBaseModel(ctx.engine.store, { dir: join(FIXTURES, "mistral"), name: "tiny-mistral" });
  windowed = await engineScores(ctx.client, "tiny-mistral-window");
  causal = await engineScores(ctx.client, "tiny-mistral");
}, 120_000);

afterAll(async () => {
  await ctx?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("Mistral's sliding window", () => {
  it("is read from config.json for every layer when shorter than the context (Mistral 7B v0.1's 4,096 of 32,768)", () => {
    const v01 = {
      architectures: ["MistralForCausalLM"],
      model_type: "mistral",
      hidden_size: 4096,
      intermediate_size: 14336,
      num_hidden_layers: 32,
      num_attention_heads: 32,
      num_key_value_heads: 8,
      vocab_size: 32000,
      max_position_embeddings: 32768,
      rms_norm_eps: 1e-5,
      rope_theta: 10000,
      sliding_window: 4096,
      tie_word_embeddings: false,
    };
    const a = parseHfConfig(v01);
    expect([0, 31].map((l) => attentionWindow(a, l))).toEqual([4096, 4096]);
    // v0.2 and v0.3: null; a window as long as the context: plain causal attention
    expect(parseHfConfig({ ...v01, sliding_window: null }).slidingWindow).toBeUndefined();
    expect(parseHfConfig({ ...v01, sliding_window: 32768 }).slidingWindow).toBeUndefined();
    expect(() => parseHfConfig({ ...v01, sliding_window: 0 })).toThrow(/sliding_window: 0 is not a positive integer/);
  });

  it("changes what the model computes on prompts longer than the window", () => {
    const first = (scores: EngineScore[]) => scores.map((s) => s.content[0]?.top_logprobs[0]?.logprob ?? 0);
    const moved = first(windowed).map((v, i) => Math.abs(v - (first(causal)[i] as number)));
    expect(Math.max(...moved)).toBeGreaterThan(0.05);
    expect(windowed.map((s) => s.promptTokens)).toEqual(causal.map((s) => s.promptTokens));
    expect(maxEngineDifference(windowed, windowed)).toBe(0);
  });

  it.skipIf(!TORCH)(
    `is scored by the independent PyTorch reference as the engine serves it (≤ 1e-3; torch ${TORCH})`,
    async () => {
      const conversations = join(work, "conversations.json");
      writeConversations(conversations);
      const reference = await referenceScores(windowDir, conversations);
      expect(maxDifference(windowed, reference)).toBeLessThanOrEqual(1e-3);
    },
    120_000,
  );

  it.skipIf(!llama)(
    "exports as a GGUF whose context is the window, where llama.cpp computes what the engine does (f32, ≤ 1e-3)",
    async () => {
      const out = await exportBaseModel({
        name: "tiny-mistral-window",
        baseDir: windowDir,
        format: "gguf",
        dtype: "f32",
        outDir: join(work, "gguf"),
      });
      const path = join(out.outDir, out.files[0] as string);
      const lib = llama as NonNullable<typeof llama>;
      const meta = (await lib.readGgufFileInfo(path)).metadata as { general: { architecture: string }; llama: { context_length: number } };
      expect(meta.general.architecture).toBe("llama");
      expect(meta.llama.context_length).toBe(WINDOW);
      const tokens = Array.from({ length: WINDOW }, (_, i) => (i * 37 + 11) % 400);
      const { maxDiff, sameArgmax } = await ggufAgainstEngine(lib, path, windowDir, tokens);
      expect(sameArgmax).toBe(WINDOW);
      expect(maxDiff).toBeLessThanOrEqual(1e-3);
    },
    120_000,
  );
});
