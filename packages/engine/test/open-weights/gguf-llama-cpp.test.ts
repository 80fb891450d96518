/**
 * The GGUF export against real llama.cpp (node-llama-cpp's CPU build, test/llama-cpp.ts):
 *
 * (a) every fixture architecture (Llama 3 with rope scaling, SmolLM, Qwen2, Qwen3, Mistral, SmolLM3, Gemma 3 with its
 *     sliding window) written as F32 GGUF loads
 *     in llama.cpp, which tokenizes like the Hugging Face tokenizer and gives the engine's next-token
 *     log-probabilities at every position to ≤ 1e-3. F16 and Q8_0 load too; their error is the rounding of weights
 *     (and, in llama.cpp's F16 and Q8_0 products, of activations), bounded loosely here.
 *     The real Qwen3 and Llama 3.1 tokenizers (151k and 128k tokens, with padding rows) tokenize in llama.cpp as in
 *     the engine. (SentencePiece-style vocabularies: gguf-spm-llama-cpp.test.ts.)
 * (b) a LoRA-tuned model exported through exportTunedModel: llama.cpp's greedy continuation of each conversation is
 *     the engine's chat completion, token for token, with the same log-probabilities (F32) and the same tokens (Q8_0);
 *     the file carries the tokenizer's chat template and special ids, as llama.cpp's own GGUF reader shows.
 * (c) GGUF LoRA adapters (`--lora`) on a GGUF of the base: a random adapter on the Llama fixture (q and k adapted, so
 *     B's rows must follow llama.cpp's rotary order) gives the engine's merged model's log-probabilities, and the tuned
 *     model's adapter exported through exportTunedModel gives its greedy replies.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatCodec } from "../../src/hf/chat-codec.ts";
import { exportTunedModel } from "../../src/hf/export.ts";
import { exportBaseModel } from "../../src/hf/export-base.ts";
import { adapterMetadata, adapterTensors } from "../../src/hf/gguf/adapter-tensors.ts";
import { writeGguf } from "../../src/hf/gguf/gguf-file.ts";
import { GGUF_DTYPES, type GgufDtype } from "../../src/hf/gguf/model-tensors.ts";
import { writeGgufModel } from "../../src/hf/gguf/write-model.ts";
import { openHfDecoderModel } from "../../src/hf/load.ts";
import { mergeLora } from "../../src/hf/lora/merge.ts";
import { LoraParams, loraLayout } from "../../src/hf/lora/params.ts";
import { HfDecoder } from "../../src/hf/model/decoder.ts";
import { randomDecoderModel, TINY_ARCH } from "../../src/hf/test-support/random-model.ts";
import { HfTokenizer } from "../../src/hf/tokenizer/hf-tokenizer.ts";
import { loadTestTokenizer, testTokenizerDir } from "../../src/hf/tokenizer/test-tokenizers.ts";
import { registerBaseModel } from "../../src/index.ts";
import { findRegisteredBase } from "../../src/models/base-model.repository.ts";
import { nativeKernels } from "../../src/trainer/kernels/native.ts";
import { Rng } from "../../src/trainer/train/rng.ts";
import { engineWithClient } from "../engine-client.ts";
import {
  compareLogProbs,
  type LlamaCpp,
  type LlamaCppModel,
  llamaCppGreedy,
  llamaCppLogProbs,
  llamaCppOrSkip,
  logProbsAt,
} from "../llama-cpp.ts";
import { COMMITTED_ADAPTER, CONVERSATIONS, engineScores, FIXTURES, installAdapter, MAX_NEW_TOKENS } from "./export-support.ts";
import { asStored } from "./gguf-stored.ts";

const llama = await llamaCppOrSkip("gguf-llama-cpp.test.ts");

const CASES = ["llama", "smollm", "qwen2", "qwen3", "mistral", "smollm3", "gemma3"] as const;
const TEXTS = [
  "Hello world",
  "I was charged twice!",
  "  multiple   spaces\n\nand newlines\n",
  "numbers 12345 and 3.14159",
  "Bonjour, ça va ? 日本語のテキスト",
  "don't you're I'll WE'VE",
  "<|im_start|>user\nhi<|im_end|>",
];
const PROMPT =
  "<|im_start|>system\nRoute the ticket.<|im_end|>\n<|im_start|>user\nI was charged twice for my order<|im_end|>\n<|im_start|>assistant\n";
/** Largest |Δ log p| over the vocabulary and positions, and the share of positions with the same most likely token. */
const BOUNDS: Record<GgufDtype, { maxDiff: number; argmax: number }> = {
  f32: { maxDiff: 1e-3, argmax: 1 },
  f16: { maxDiff: 0.1, argmax: 0.95 },
  q8_0: { maxDiff: 3, argmax: 0.7 },
  // against the engine on the weights as the file stores them (the fixtures' rows of 64 and 160 values fall back to
  // Q5_0 and Q8_0; gguf-q4-k-m.test.ts has models whose rows are multiples of 256): what is left is llama.cpp's
  // rounding of activations, as for Q8_0. Against the unquantized fixtures the 5-bit weights move log-probabilities
  // by 4.7–12.7 nats on these deliberately sensitive random weights.
  q4_k_m: { maxDiff: 3, argmax: 0.7 },
};

/**
 * Gemma 3's f32 bound: llama.cpp's CPU GELU reads a table through float16 (GGML_GELU_FP16 in ggml-cpu/vec.h), so its MLP
 * activations carry half precision's rounding (measured: 5.7e-3 nats at most); a mistake in the architecture moves
 * log-probabilities by 1.4 nats or more (hf_reference.py's checks), so the bound still tells them apart.
 */
const GELU_F32_BOUND = 2e-2;

let work = "";
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "tunelab-gguf-"));
  // llama.cpp scales Gemma 3's scores by head_dim^-1/2 (except at 62 layers): the fixture's query_pre_attn_scalar of 24 is
  // refused for GGUF (config.test.ts), so llama.cpp gets a copy at 32, which the engine then runs as llama.cpp does
  const gemma = join(work, "gemma3");
  cpSync(join(FIXTURES, "gemma3"), gemma, { recursive: true });
  const config = JSON.parse(readFileSync(join(gemma, "config.json"), "utf8")) as Record<string, unknown>;
  writeFileSync(join(gemma, "config.json"), JSON.stringify({ ...config, query_pre_attn_scalar: config.head_dim }));
});
/** A case's model folder: the fixture, or for gemma3 the copy llama.cpp computes the same. */
const caseDir = (name: (typeof CASES)[number]) => (name === "gemma3" ? join(work, "gemma3") : join(FIXTURES, name));
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!llama)("GGUF files of the fixture architectures in llama.cpp", () => {
  for (const name of CASES) {
    for (const dtype of GGUF_DTYPES) {
      it(`${name} as ${dtype}: loads, tokenizes as the Hugging Face tokenizer, and gives the engine's log-probabilities${dtype === "q4_k_m" ? " on the weights as stored" : ""} (${dtype === "f32" ? "≤ 1e-3" : `≤ ${BOUNDS[dtype].maxDiff}, argmax ≥ ${BOUNDS[dtype].argmax * 100}%`})`, async () => {
        const lib = llama as LlamaCpp;
        const dir = caseDir(name);
        const model = openHfDecoderModel(dir);
        const path = join(work, `${name}-${dtype}.gguf`);
        await writeGgufModel({ model, tokenizerDir: dir, outPath: path, dtype, name: `tiny-${name}` });
        const tokenizer = await HfTokenizer.fromDirectory(dir);
        const gguf = await lib.loadModel({ modelPath: path });
        try {
          for (const text of TEXTS)
            expect(gguf.tokenize(text, true), JSON.stringify(text)).toEqual(tokenizer.encode(text, { addSpecialTokens: false }));
          const ids = tokenizer.encode(PROMPT, { addSpecialTokens: false });
          const V = model.arch.vocab;
          const ours = new HfDecoder(dtype === "q4_k_m" ? asStored(model, dtype) : model, ids.length).feed(ids, true);
          const theirs = await llamaCppLogProbs(gguf, ids, V);
          const { maxDiff, sameArgmax } = compareLogProbs(logProbsAt(ours, ids.length, V), theirs);
          console.info(`${name} ${dtype}: max |Δ log p| ${maxDiff.toExponential(2)}, same argmax at ${sameArgmax}/${ids.length} positions`);
          expect(maxDiff).toBeLessThanOrEqual(name === "gemma3" && dtype === "f32" ? GELU_F32_BOUND : BOUNDS[dtype].maxDiff);
          expect(sameArgmax / ids.length).toBeGreaterThanOrEqual(BOUNDS[dtype].argmax);
        } finally {
          await gguf.dispose();
        }
      }, 60_000);
    }
  }

  it("writes what llama.cpp's own GGUF reader expects: architecture, shapes, types, rope factors, tokenizer", async () => {
    const lib = llama as LlamaCpp;
    const dir = join(FIXTURES, "llama");
    const path = join(work, "llama-meta.gguf");
    await writeGgufModel({ model: openHfDecoderModel(dir), tokenizerDir: dir, outPath: path, dtype: "q8_0", name: "tiny-llama" });
    const info = await lib.readGgufFileInfo(path);
    const meta = info.metadata as {
      general: { architecture: string; name: string; file_type: number };
      llama: { context_length: number; block_count: number; embedding_length: number; attention: { head_count_kv: number } };
      tokenizer: {
        ggml: {
          model: string;
          pre: string;
          tokens: string[];
          merges: string[];
          eos_token_id: number;
          eot_token_id: number;
          bos_token_id: number;
        };
        chat_template: string;
      };
    };
    expect(meta.general).toMatchObject({ architecture: "llama", name: "tiny-llama", file_type: 7 });
    expect(meta.llama).toMatchObject({ context_length: 256, block_count: 2, embedding_length: 64, attention: { head_count_kv: 2 } });
    // the end of a turn is <|im_end|>, which the template ends replies with; llama.cpp stops on <|endoftext|> by its text
    expect(meta.tokenizer.ggml).toMatchObject({ model: "gpt2", pre: "qwen2", bos_token_id: 456, eos_token_id: 458, eot_token_id: 458 });
    const vocab = await lib.loadModel({ modelPath: path, vocabOnly: true });
    try {
      expect([456, 458].map((id) => (vocab as LlamaCppModel & { isEogToken(id: number): boolean }).isEogToken(id))).toEqual([true, true]);
    } finally {
      await vocab.dispose();
    }
    expect(meta.tokenizer.ggml.tokens).toHaveLength(461);
    expect(meta.tokenizer.ggml.merges).toHaveLength(200);
    const tokenizer = await HfTokenizer.fromDirectory(dir);
    expect(meta.tokenizer.chat_template).toContain("<|im_start|>");
    expect(tokenizer.chatTemplate).not.toBeNull();
    const byName = new Map((info.tensorInfo ?? []).map((t) => [t.name, t]));
    // ggml's dimensions are PyTorch's reversed; Q8_0 is ggml type 8, float32 0
    expect(byName.get("token_embd.weight")?.dimensions.map(Number)).toEqual([64, 461]);
    expect(byName.get("token_embd.weight")?.ggmlType).toBe(8);
    expect(byName.get("blk.0.attn_k.weight")?.dimensions.map(Number)).toEqual([64, 32]);
    expect(byName.get("blk.1.ffn_norm.weight")?.ggmlType).toBe(0);
    // Llama 3 scaling with head_dim 16: frequency 0 kept, 1 smoothed, the rest slowed by the factor 8
    expect(byName.get("rope_freqs.weight")?.dimensions.map(Number)).toEqual([8]);
  });
});

describe.skipIf(!llama)("real tokenizers in llama.cpp", () => {
  const REAL_TEXTS = [
    ...TEXTS.slice(0, 6),
    "The year 2024 had 366 days; 1234567 is a number.",
    "Tabs\tand\r\nwindows line ends, emoji 🚀🔥 and accents: naïve café",
    "    def f(x):\n        return x ** 2  # comment",
  ];
  for (const [name, rows, special] of [
    ["qwen3", 151_936, "<|im_start|>user\nhi<|im_end|>"],
    ["llama3", 128_256, "<|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>"],
  ] as const) {
    it(`${name}: a ${rows.toLocaleString("en-US")}-row model's GGUF tokenizes ${REAL_TEXTS.length + 1} texts as the Hugging Face tokenizer`, async () => {
      const lib = llama as LlamaCpp;
      const tokenizer = await loadTestTokenizer(name);
      const model = randomDecoderModel({ ...TINY_ARCH, vocab: rows, maxPositions: 64 }, nativeKernels(), 3, 0.1);
      const path = join(work, `${name}-vocab.gguf`);
      await writeGgufModel({ model, tokenizerDir: testTokenizerDir(name), outPath: path, dtype: "f32", name });
      const gguf = await lib.loadModel({ modelPath: path, vocabOnly: true });
      try {
        for (const text of [...REAL_TEXTS, special])
          expect(gguf.tokenize(text, true), JSON.stringify(text)).toEqual(tokenizer.encode(text, { addSpecialTokens: false }));
      } finally {
        await gguf.dispose();
      }
    }, 120_000);
  }
});

describe.skipIf(!llama)("GGUF LoRA adapters in llama.cpp", () => {
  it("a random adapter on every projection of the Llama fixture gives the merged model's log-probabilities (≤ 1e-3)", async () => {
    const lib = llama as LlamaCpp;
    const dir = join(FIXTURES, "llama");
    const k = nativeKernels();
    const base = openHfDecoderModel(dir, k);
    const settings = {
      rank: 4,
      alpha: 12,
      dropout: 0,
      targets: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"] as const,
    };
    const lora = new LoraParams(k, loraLayout(base.arch, { ...settings, targets: [...settings.targets] }), {
      ...settings,
      targets: [...settings.targets],
    });
    const rng = new Rng(5);
    for (let i = 0; i < lora.params.length; i++) lora.params[i] = (rng.next() * 2 - 1) * 0.3;
    const basePath = join(work, "llama-base.gguf");
    await writeGgufModel({ model: base, tokenizerDir: dir, outPath: basePath, dtype: "f32", name: "base" });
    const adapterPath = join(work, "llama-adapter.gguf");
    writeGguf(adapterPath, adapterMetadata(base.arch, lora, "adapter"), adapterTensors(base.arch, lora));
    const merged = openHfDecoderModel(dir, k);
    mergeLora(k, merged.weights, lora);
    const tokenizer = await HfTokenizer.fromDirectory(dir);
    const ids = tokenizer.encode(PROMPT, { addSpecialTokens: false });
    const V = merged.arch.vocab;
    const ours = new HfDecoder(merged, ids.length).feed(ids, true);
    const plain = new HfDecoder(base, ids.length).feed(ids, true);
    const gguf = await lib.loadModel({ modelPath: basePath });
    try {
      const theirs = await llamaCppLogProbs(gguf, ids, V, { lora: adapterPath });
      const oursLogProbs = logProbsAt(ours, ids.length, V);
      const { maxDiff } = compareLogProbs(oursLogProbs, theirs);
      const { maxDiff: moved } = compareLogProbs(oursLogProbs, logProbsAt(plain, ids.length, V));
      console.info(`llama + adapter: max |Δ log p| ${maxDiff.toExponential(2)} (the adapter moves them by up to ${moved.toFixed(2)})`);
      expect(moved).toBeGreaterThan(0.5); // the adapter matters, so agreeing with the merged model means it was applied
      expect(maxDiff).toBeLessThanOrEqual(1e-3);
    } finally {
      await gguf.dispose();
    }
  }, 60_000);
});

describe.skipIf(!llama)("a LoRA-tuned model exported as GGUF, in llama.cpp", () => {
  let ctx: Awaited<ReturnType<typeof engineWithClient>>;
  let model = "";
  let tunedDir = "";
  beforeAll(async () => {
    ctx = await engineWithClient({ checkpointEvery: 1000 });
    await registerBaseModel(ctx.engine.store, { dir: join(FIXTURES, "qwen3"), name: "tiny-qwen3" });
    const base = await findRegisteredBase(ctx.engine.store, "tiny-qwen3");
    if (!base) throw new Error("tiny-qwen3 not registered");
    model = "ft:tiny-qwen3:tunelab::gguf0001";
    tunedDir = await installAdapter(ctx.engine.store, ctx.root, model, COMMITTED_ADAPTER, base);
  }, 120_000);
  afterAll(async () => {
    await ctx?.dispose();
  });

  for (const dtype of ["f32", "q8_0"] as const) {
    it(`as ${dtype}: llama.cpp continues each conversation with the engine's greedy tokens${dtype === "f32" ? " and log-probabilities (≤ 1e-3)" : ""}`, async () => {
      const lib = llama as LlamaCpp;
      const out = join(work, `tuned-${dtype}`);
      const result = await exportTunedModel({ modelDir: tunedDir, format: "gguf", outDir: out, dtype, name: model });
      expect(result.files).toEqual([`model-${dtype}.gguf`]);
      expect(readdirSync(work).some((f) => f.includes(".tmp-"))).toBe(false);
      const tokenizer = await HfTokenizer.fromDirectory(join(FIXTURES, "qwen3"));
      const codec = chatCodec(tokenizer);
      const scores = await engineScores(ctx.client, model);
      const gguf = await lib.loadModel({ modelPath: join(out, `model-${dtype}.gguf`) });
      try {
        for (const [i, conversation] of CONVERSATIONS.entries()) {
          const engine = scores[i];
          if (!engine) throw new Error(`no engine score for ${conversation.name}`);
          const prompt = codec.encodeChat(conversation.messages as never, undefined);
          expect(prompt.length).toBe(engine.promptTokens);
          // greedy in llama.cpp, as many tokens as the engine wrote (it stops at an end-of-turn token, not counted)
          const steps = Math.min(MAX_NEW_TOKENS, engine.content.length);
          const { ids: generated, logprobs } = await llamaCppGreedy(gguf, prompt, steps, tokenizer.vocabSize);
          expect(tokenizer.decode(generated), conversation.name).toBe(engine.content.map((c) => c.token).join(""));
          if (dtype === "f32")
            for (const [k, c] of engine.content.entries()) expect(Math.abs(c.logprob - (logprobs[k] as number))).toBeLessThanOrEqual(1e-3);
        }
      } finally {
        await gguf.dispose();
      }
    }, 120_000);
  }

  it("as a GGUF LoRA adapter on the base exported as GGUF: llama.cpp continues each conversation with the engine's greedy tokens and log-probabilities (≤ 1e-3)", async () => {
    const lib = llama as LlamaCpp;
    const out = join(work, "tuned-lora");
    const result = await exportTunedModel({ modelDir: tunedDir, format: "gguf-lora", outDir: out, name: model });
    expect(result.files).toEqual(["adapter-f32.gguf"]);
    const info = await lib.readGgufFileInfo(join(out, "adapter-f32.gguf"));
    expect(info.metadata).toMatchObject({
      general: { architecture: "qwen3", type: "adapter" },
      adapter: { type: "lora", lora: { alpha: 12 } },
    });
    // the base as `tunelab models export BASE --format gguf --dtype f32` writes it
    const baseExport = await exportBaseModel({
      baseDir: join(FIXTURES, "qwen3"),
      format: "gguf",
      dtype: "f32",
      outDir: join(work, "qwen3-base"),
      name: "tiny-qwen3",
    });
    expect(baseExport.files).toEqual(["model-f32.gguf"]);
    const basePath = join(baseExport.outDir, "model-f32.gguf");
    const tokenizer = await HfTokenizer.fromDirectory(join(FIXTURES, "qwen3"));
    const codec = chatCodec(tokenizer);
    const scores = await engineScores(ctx.client, model);
    const gguf = await lib.loadModel({ modelPath: basePath });
    try {
      for (const [i, conversation] of CONVERSATIONS.entries()) {
        const engine = scores[i];
        if (!engine) throw new Error(`no engine score for ${conversation.name}`);
        const prompt = codec.encodeChat(conversation.messages as never, undefined);
        const { ids: generated, logprobs } = await llamaCppGreedy(gguf, prompt, engine.content.length, tokenizer.vocabSize, {
          lora: join(out, "adapter-f32.gguf"),
        });
        for (const [step, c] of engine.content.entries())
          expect(Math.abs(c.logprob - (logprobs[step] as number)), `${conversation.name} step ${step}`).toBeLessThanOrEqual(1e-3);
        expect(tokenizer.decode(generated), conversation.name).toBe(engine.content.map((c) => c.token).join(""));
      }
    } finally {
      await gguf.dispose();
    }
  }, 120_000);

  it("refuses a dtype the format does not write, before writing anything", async () => {
    const out = join(work, "tuned-bf16-gguf");
    await expect(exportTunedModel({ modelDir: tunedDir, format: "gguf", outDir: out, dtype: "bf16" })).rejects.toThrow(
      /dtype bf16 does not apply to gguf exports; use one of q8_0, f16, f32/,
    );
    expect(readdirSync(work).some((f) => f.startsWith("tuned-bf16-gguf"))).toBe(false);
  });
});
