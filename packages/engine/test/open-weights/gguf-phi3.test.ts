/**
 * The Phi-3 family's GGUF export (`phi3`: attn_qkv and ffn_up stacked, partial rotary as rope.dimension_count,
 * longrope's factors and attention factor) against real llama.cpp (node-llama-cpp's CPU build, test/llama-cpp.ts), on
 * the `phi3` fixture (head_dim 16 of which 8 rotate, short factors 1.125–3.5 within 256 pretrained positions of 1,024,
 * attention factor √1.25, a 12-key window over every layer, tied):
 *
 * (a) the file as llama.cpp's own GGUF reader shows it; context_length is the window, because llama.cpp does not apply
 *     Phi-3's window (model-tensors.ts phi3ContextLength).
 * (b) without the window (a copy of the fixture with sliding_window null, which the engine then runs causal), every
 *     position of a 40-odd-token prompt: F32 gives the engine's most likely token at every position and its
 *     log-probabilities to ≤ 1e-3; F16, Q8_0 and Q4_K_M (on the weights as stored) within the other architectures'
 *     bounds.
 * (c) what llama.cpp computes differently, measured: with the window, the same within it and not past it; in a
 *     context larger than the 256 pretrained positions, the long factors at every position (the engine's model with
 *     its short factors replaced by the long ones agrees with that).
 * (d) GGUF LoRA adapters on the base's GGUF: random adapters on every projection, and on q, v and up only (a stacked
 *     matrix with some parts unadapted), give the merged model's log-probabilities; a tuned model installed in the
 *     engine, exported with `--format gguf-lora` on the base exported with `--format gguf`, and with `--format gguf`,
 *     continues each conversation with the engine's greedy tokens and log-probabilities.
 * (e) llama.cpp's tokenizer rule keyed on general.name (Phi-3's rstrip after special tokens): the name is written so
 *     that llama.cpp tokenizes as the Hugging Face tokenizer (strip-rule.ts); the fixture's "tiny-phi3" would not load.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
import { writePeftAdapter } from "../../src/hf/lora/peft.ts";
import { type DecoderModel, HfDecoder } from "../../src/hf/model/decoder.ts";
import { ropeTables } from "../../src/hf/model/rope.ts";
import type { LinearProjection } from "../../src/hf/tensor-names.ts";
import { randomDecoderModel, TINY_ARCH } from "../../src/hf/test-support/random-model.ts";
import { HfTokenizer } from "../../src/hf/tokenizer/hf-tokenizer.ts";
import { registerBaseModel } from "../../src/index.ts";
import { findRegisteredBase } from "../../src/models/base-model.repository.ts";
import { nativeKernels } from "../../src/trainer/kernels/native.ts";
import type { Kernels } from "../../src/trainer/kernels/types.ts";
import { Rng } from "../../src/trainer/train/rng.ts";
import { engineWithClient } from "../engine-client.ts";
import {
  compareLogProbs,
  EXACT_CONTEXT,
  type LlamaCpp,
  type LlamaCppModel,
  llamaCppGreedy,
  llamaCppLogProbs,
  llamaCppOrSkip,
  logProbsAt,
  logSoftmax,
} from "../llama-cpp.ts";
import { CONVERSATIONS, engineScores, FIXTURES, installAdapter } from "./export-support.ts";
import { asStored } from "./gguf-stored.ts";

const llama = await llamaCppOrSkip("gguf-phi3.test.ts");

const FIXTURE = join(FIXTURES, "phi3");
const PROMPT =
  "<|im_start|>system\nRoute the ticket.<|im_end|>\n<|im_start|>user\nI was charged twice for my order<|im_end|>\n<|im_start|>assistant\n";
/** The fixture's sliding window (config.json), which is the GGUF's context_length. */
const WINDOW = 12;
/** As gguf-llama-cpp.test.ts: largest |Δ log p| over the vocabulary and positions, and the share of positions with the same most likely token. */
const BOUNDS: Record<GgufDtype, { maxDiff: number; argmax: number }> = {
  f32: { maxDiff: 1e-3, argmax: 1 },
  f16: { maxDiff: 0.1, argmax: 0.95 },
  q8_0: { maxDiff: 3, argmax: 0.7 },
  q4_k_m: { maxDiff: 3, argmax: 0.7 },
};
const ALL: LinearProjection[] = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

let work = "";
/** The fixture without its window: what llama.cpp computes at every position. */
let causalDir = "";
let ids: number[] = [];
beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "tunelab-gguf-phi3-"));
  causalDir = join(work, "phi3-causal");
  cpSync(FIXTURE, causalDir, { recursive: true });
  const config = JSON.parse(readFileSync(join(causalDir, "config.json"), "utf8")) as Record<string, unknown>;
  expect(config.sliding_window).toBe(WINDOW);
  writeFileSync(join(causalDir, "config.json"), JSON.stringify({ ...config, sliding_window: null }));
  ids = (await HfTokenizer.fromDirectory(FIXTURE)).encode(PROMPT, { addSpecialTokens: false });
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The engine's log-probabilities after each of `tokens`. */
function engineLogProbs(model: DecoderModel, tokens: readonly number[]): Float64Array[] {
  return logProbsAt(new HfDecoder(model, tokens.length).feed(tokens, true), tokens.length, model.arch.vocab);
}

/** llama.cpp's log-probabilities in a float32 context of `contextSize` positions (EXACT_CONTEXT's, 256, by default). */
async function llamaCppLogProbsIn(gguf: LlamaCppModel, tokens: readonly number[], vocab: number, contextSize: number) {
  const context = await gguf.createContext({ ...EXACT_CONTEXT, contextSize });
  try {
    const out = await context.getSequence().controlledEvaluate(tokens.map((id) => [id, { generateNext: { logits: true } }]));
    return tokens.map((_, i) => {
      const logits = out[i]?.next?.logits;
      if (!logits) throw new Error(`no logits after token ${i}`);
      const dense = new Float64Array(vocab);
      for (const [token, value] of logits) dense[token] = value;
      return logSoftmax(dense);
    });
  } finally {
    await context.dispose();
  }
}

async function writeBase(dir: string, dtype: GgufDtype, file: string): Promise<string> {
  const path = join(work, file);
  await writeGgufModel({ model: openHfDecoderModel(dir), tokenizerDir: dir, outPath: path, dtype, name: "tiny-phi3" });
  return path;
}

function randomLora(k: Kernels, model: DecoderModel, targets: LinearProjection[], seed: number): LoraParams {
  const settings = { rank: 4, alpha: 12, dropout: 0, targets };
  const lora = new LoraParams(k, loraLayout(model.arch, settings), settings);
  const rng = new Rng(seed);
  for (let i = 0; i < lora.params.length; i++) lora.params[i] = (rng.next() * 2 - 1) * 0.3;
  return lora;
}

describe.skipIf(!llama)("Phi-3 GGUF files in llama.cpp", () => {
  it("are laid out as llama.cpp's phi3: attn_qkv and ffn_up stacked, 8 rotary dims, both longrope factor tables and the attention factor, context_length the window", async () => {
    const lib = llama as LlamaCpp;
    const path = await writeBase(FIXTURE, "q8_0", "phi3-meta.gguf");
    const info = await lib.readGgufFileInfo(path);
    const meta = info.metadata as { general: { architecture: string; name: string }; phi3: Record<string, unknown> };
    expect(meta.general.architecture).toBe("phi3");
    // "tiny-phi3" would make llama.cpp apply its Phi-3 tokenizer rule, which this vocabulary (no </s>) cannot load under
    expect(meta.general.name).toBe("tiny-phi 3");
    expect(meta.phi3).toMatchObject({
      context_length: WINDOW,
      embedding_length: 64,
      feed_forward_length: 160,
      block_count: 2,
      attention: { head_count: 4, head_count_kv: 2, key_length: 16, value_length: 16, sliding_window: WINDOW },
      rope: { dimension_count: 8, scaling: { original_context_length: 256 } },
    });
    const attnFactor = (meta.phi3 as { rope: { scaling: { attn_factor: number } } }).rope.scaling.attn_factor;
    // s = 1024 / 256 = 4: √(1 + ln 4 / ln 256) = √1.25
    expect(attnFactor).toBeCloseTo(Math.sqrt(1.25), 6);
    const byName = new Map((info.tensorInfo ?? []).map((t) => [t.name, t]));
    const dims = (name: string) => byName.get(name)?.dimensions.map(Number);
    // ggml's dimensions are PyTorch's reversed: q (4·16) + k (2·16) + v (2·16) rows; gate and up (2·160)
    expect(dims("blk.0.attn_qkv.weight")).toEqual([64, 128]);
    expect(dims("blk.1.ffn_up.weight")).toEqual([64, 320]);
    expect(dims("blk.1.ffn_down.weight")).toEqual([160, 64]);
    expect(dims("blk.0.attn_output.weight")).toEqual([64, 64]);
    expect(dims("rope_factors_short.weight")).toEqual([4]);
    expect(dims("rope_factors_long.weight")).toEqual([4]);
    expect([...byName.keys()].filter((n) => /attn_[qkv]\.|ffn_gate/.test(n))).toEqual([]);
    expect(byName.has("output.weight")).toBe(false); // tied
  });

  for (const dtype of GGUF_DTYPES) {
    it(`without the window, as ${dtype}: the engine's log-probabilities at every position${dtype === "q4_k_m" ? " on the weights as stored" : ""} (${dtype === "f32" ? "≤ 1e-3, the same most likely token everywhere" : `≤ ${BOUNDS[dtype].maxDiff}, argmax ≥ ${BOUNDS[dtype].argmax * 100}%`})`, async () => {
      const lib = llama as LlamaCpp;
      const model = openHfDecoderModel(causalDir);
      expect(model.arch.slidingWindow).toBeUndefined();
      const path = await writeBase(causalDir, dtype, `phi3-${dtype}.gguf`);
      const gguf = await lib.loadModel({ modelPath: path });
      try {
        const ours = engineLogProbs(dtype === "q4_k_m" ? asStored(model, dtype) : model, ids);
        const theirs = await llamaCppLogProbs(gguf, ids, model.arch.vocab);
        const { maxDiff, sameArgmax } = compareLogProbs(ours, theirs);
        console.info(`phi3 ${dtype}: max |Δ log p| ${maxDiff.toExponential(2)}, same argmax at ${sameArgmax}/${ids.length} positions`);
        expect(ids.length).toBeGreaterThan(3 * WINDOW);
        expect(maxDiff).toBeLessThanOrEqual(BOUNDS[dtype].maxDiff);
        expect(sameArgmax / ids.length).toBeGreaterThanOrEqual(BOUNDS[dtype].argmax);
      } finally {
        await gguf.dispose();
      }
    }, 60_000);
  }

  it("with the window: the engine's log-probabilities within it (≤ 1e-3), and past it llama.cpp attends to every earlier token (documented)", async () => {
    const lib = llama as LlamaCpp;
    const model = openHfDecoderModel(FIXTURE);
    expect(model.arch.slidingWindow).toBe(WINDOW);
    const gguf = await lib.loadModel({ modelPath: await writeBase(FIXTURE, "f32", "phi3-window.gguf") });
    try {
      const theirs = await llamaCppLogProbs(gguf, ids, model.arch.vocab);
      const ours = engineLogProbs(model, ids);
      const within = compareLogProbs(ours.slice(0, WINDOW), theirs.slice(0, WINDOW));
      const past = compareLogProbs(ours.slice(WINDOW), theirs.slice(WINDOW));
      // and past the window llama.cpp is the causal model's
      const causal = compareLogProbs(engineLogProbs(openHfDecoderModel(causalDir), ids).slice(WINDOW), theirs.slice(WINDOW));
      console.info(
        `phi3 window: within ${within.maxDiff.toExponential(2)} (${within.sameArgmax}/${WINDOW} argmax), past it ${past.maxDiff.toFixed(2)} nats (causal model: ${causal.maxDiff.toExponential(2)})`,
      );
      expect(within.maxDiff).toBeLessThanOrEqual(1e-3);
      expect(within.sameArgmax).toBe(WINDOW);
      expect(past.maxDiff).toBeGreaterThan(0.1);
      expect(causal.maxDiff).toBeLessThanOrEqual(1e-3);
    } finally {
      await gguf.dispose();
    }
  }, 60_000);

  it("in a context larger than the 256 pretrained positions llama.cpp takes the long factors at every position (documented: the engine's model with them agrees)", async () => {
    const lib = llama as LlamaCpp;
    const model = openHfDecoderModel(causalDir);
    const longRope = model.arch.longRope;
    if (!longRope) throw new Error("the fixture has longrope");
    const arch = { ...model.arch, longRope: { ...longRope, shortFactor: longRope.longFactor } };
    const long: DecoderModel = { ...model, arch, rope: ropeTables(arch, model.rope.positions) };
    const gguf = await lib.loadModel({ modelPath: await writeBase(causalDir, "f32", "phi3-long.gguf") });
    try {
      const theirs = await llamaCppLogProbsIn(gguf, ids, model.arch.vocab, 512);
      const short = compareLogProbs(engineLogProbs(model, ids), theirs);
      const withLong = compareLogProbs(engineLogProbs(long, ids), theirs);
      console.info(
        `phi3 context 512: short factors ${short.maxDiff.toFixed(2)} nats off, long factors ${withLong.maxDiff.toExponential(2)}`,
      );
      expect(short.maxDiff).toBeGreaterThan(0.1);
      expect(withLong.maxDiff).toBeLessThanOrEqual(1e-3);
    } finally {
      await gguf.dispose();
    }
  }, 60_000);
});

describe.skipIf(!llama)("Phi-3 GGUF LoRA adapters in llama.cpp", () => {
  for (const [label, targets, seed] of [
    ["every projection (q, k, v side by side in attn_qkv, gate and up in ffn_up)", ALL, 5],
    ["q, v and up only (attn_qkv's k rows and ffn_up's gate rows unadapted)", ["q_proj", "v_proj", "up_proj"], 6],
  ] as const) {
    it(`a random adapter on ${label} gives the merged model's log-probabilities (≤ 1e-3)`, async () => {
      const lib = llama as LlamaCpp;
      const k = nativeKernels();
      const base = openHfDecoderModel(causalDir, k);
      const lora = randomLora(k, base, [...targets], seed);
      const basePath = await writeBase(causalDir, "f32", `phi3-lora-base-${seed}.gguf`);
      const adapterPath = join(work, `phi3-adapter-${seed}.gguf`);
      writeGguf(adapterPath, adapterMetadata(base.arch, lora, "adapter"), adapterTensors(base.arch, lora));
      const info = await lib.readGgufFileInfo(adapterPath);
      const ranks = new Map((info.tensorInfo ?? []).map((t) => [t.name, Number(t.dimensions[1])]));
      // lora_a is [rank, in]: each stacked matrix's rank is its adapted parts' (4 each)
      expect(ranks.get("blk.0.attn_qkv.weight.lora_a")).toBe(targets.length === 7 ? 12 : 8);
      expect(ranks.get("blk.0.ffn_up.weight.lora_a")).toBe(targets.length === 7 ? 8 : 4);
      const merged = openHfDecoderModel(causalDir, k);
      mergeLora(k, merged.weights, lora);
      const ours = engineLogProbs(merged, ids);
      const gguf = await lib.loadModel({ modelPath: basePath });
      try {
        const theirs = await llamaCppLogProbs(gguf, ids, base.arch.vocab, { lora: adapterPath });
        const { maxDiff, sameArgmax } = compareLogProbs(ours, theirs);
        const { maxDiff: moved } = compareLogProbs(ours, engineLogProbs(base, ids));
        console.info(
          `phi3 + adapter (${targets.join(", ")}): max |Δ log p| ${maxDiff.toExponential(2)}, same argmax at ${sameArgmax}/${ids.length} (the adapter moves them by up to ${moved.toFixed(2)})`,
        );
        expect(moved).toBeGreaterThan(0.5);
        expect(maxDiff).toBeLessThanOrEqual(1e-3);
        expect(sameArgmax).toBe(ids.length);
      } finally {
        await gguf.dispose();
      }
    }, 60_000);
  }
});

describe.skipIf(!llama)("a LoRA-tuned Phi-3 exported as GGUF, in llama.cpp", () => {
  let ctx: Awaited<ReturnType<typeof engineWithClient>>;
  const model = "ft:tiny-phi3-causal:tunelab::gguf0002";
  let tunedDir = "";
  beforeAll(async () => {
    ctx = await engineWithClient({ checkpointEvery: 1000 });
    await registerBaseModel(ctx.engine.store, { dir: causalDir, name: "tiny-phi3-causal" });
    const base = await findRegisteredBase(ctx.engine.store, "tiny-phi3-causal");
    if (!base) throw new Error("tiny-phi3-causal not registered");
    const k = nativeKernels();
    // an adapter as a job leaves one (the engine's per-projection layout), smaller than the random ones above
    const settings = { rank: 4, alpha: 8, dropout: 0, targets: ALL };
    const lora = new LoraParams(k, loraLayout(openHfDecoderModel(causalDir, k).arch, settings), settings);
    const rng = new Rng(9);
    for (let i = 0; i < lora.params.length; i++) lora.params[i] = (rng.next() * 2 - 1) * 0.15;
    const adapterDir = join(work, "tuned-adapter");
    mkdirSync(adapterDir);
    writePeftAdapter(adapterDir, lora, { nameOrPath: "tiny-phi3-causal", revision: null });
    tunedDir = await installAdapter(ctx.engine.store, ctx.root, model, adapterDir, base);
  }, 120_000);
  afterAll(async () => {
    await ctx?.dispose();
  });

  it("as a GGUF LoRA adapter on the base exported as GGUF, and as GGUF (F32): llama.cpp continues each conversation with the engine's greedy tokens and log-probabilities (≤ 1e-3)", async () => {
    const lib = llama as LlamaCpp;
    const lora = await exportTunedModel({ modelDir: tunedDir, format: "gguf-lora", outDir: join(work, "tuned-lora"), name: model });
    expect(lora.files).toEqual(["adapter-f32.gguf"]);
    const merged = await exportTunedModel({
      modelDir: tunedDir,
      format: "gguf",
      dtype: "f32",
      outDir: join(work, "tuned-gguf"),
      name: model,
    });
    const baseExport = await exportBaseModel({
      baseDir: causalDir,
      format: "gguf",
      dtype: "f32",
      outDir: join(work, "phi3-base"),
      name: "tiny-phi3-causal",
    });
    const tokenizer = await HfTokenizer.fromDirectory(causalDir);
    const codec = chatCodec(tokenizer);
    const scores = await engineScores(ctx.client, model);
    for (const [label, modelPath, adapter] of [
      ["base + gguf-lora", join(baseExport.outDir, "model-f32.gguf"), join(lora.outDir, "adapter-f32.gguf")],
      ["gguf", join(merged.outDir, "model-f32.gguf"), undefined],
    ] as const) {
      const gguf = await lib.loadModel({ modelPath });
      try {
        let worst = 0;
        for (const [i, conversation] of CONVERSATIONS.entries()) {
          const engine = scores[i];
          if (!engine) throw new Error(`no engine score for ${conversation.name}`);
          const prompt = codec.encodeChat(conversation.messages as never, undefined);
          expect(prompt.length).toBe(engine.promptTokens);
          const { ids: generated, logprobs } = await llamaCppGreedy(gguf, prompt, engine.content.length, tokenizer.vocabSize, {
            ...(adapter ? { lora: adapter } : {}),
          });
          // as bytes: a reply may split a character between tokens
          expect(
            generated.flatMap((id) => [...tokenizer.tokenBytes(id)]),
            `${label}: ${conversation.name}`,
          ).toEqual(engine.content.flatMap((c) => c.bytes ?? []));
          for (const [step, c] of engine.content.entries()) worst = Math.max(worst, Math.abs(c.logprob - (logprobs[step] as number)));
        }
        console.info(`tuned phi3, ${label}: max |Δ log p| of the greedy tokens ${worst.toExponential(2)}`);
        expect(worst).toBeLessThanOrEqual(1e-3);
      } finally {
        await gguf.dispose();
      }
    }
  }, 120_000);
});

describe.skipIf(!llama)("llama.cpp's tokenizer rule keyed on general.name (strip-rule.ts)", () => {
  /** A copy of the fixture's tokenizer with <s>, </s>, <unk> added and `rstrip` set on the given added tokens. */
  function stripTokenizer(name: string, strips: (content: string) => boolean): string {
    const dir = join(work, name);
    mkdirSync(dir);
    for (const f of ["tokenizer_config.json", "special_tokens_map.json"]) cpSync(join(FIXTURE, f), join(dir, f));
    const json = JSON.parse(readFileSync(join(FIXTURE, "tokenizer.json"), "utf8")) as { added_tokens: Array<Record<string, unknown>> };
    const more = ["<s>", "</s>", "<unk>"].map((content, i) => ({ ...json.added_tokens[0], id: 461 + i, content }));
    json.added_tokens = [...json.added_tokens, ...more].map((t) => ({ ...t, rstrip: strips(t.content as string) }));
    writeFileSync(join(dir, "tokenizer.json"), JSON.stringify(json));
    return dir;
  }
  const phi3Rule = (content: string) => !["<unk>", "<s>", "<|endoftext|>"].includes(content);
  const TEXTS = [
    "<|im_start|>user\n  hello<|im_end|>\n<|im_start|>assistant\n",
    "a <|endoftext|>  b </s>\n c <s> d <unk>\te",
    "<tool_call> {}</tool_call>  done",
  ];

  const NAME_CASES: Array<[label: string, strips: (content: string) => boolean, name: string, written: string]> = [
    ["strips as Phi-3's does (rstrip after every added token but <unk>, <s>, <|endoftext|>)", phi3Rule, "tiny", "tiny (phi-3)"],
    ["strips nothing, named with phi3", () => false, "tiny-phi3", "tiny-phi 3"],
  ];
  for (const [i, [label, strips, name, written]] of NAME_CASES.entries()) {
    it(`a tokenizer that ${label} is written as ${JSON.stringify(written)}, and llama.cpp then tokenizes as the Hugging Face tokenizer`, async () => {
      const lib = llama as LlamaCpp;
      const dir = stripTokenizer(`strip-tokenizer-${i}`, strips);
      const model = randomDecoderModel({ ...TINY_ARCH, vocab: 464, maxPositions: 64 }, nativeKernels(), 3, 0.1);
      const path = join(work, `strip-${i}.gguf`);
      await writeGgufModel({ model, tokenizerDir: dir, outPath: path, dtype: "f32", name });
      const info = await lib.readGgufFileInfo(path);
      expect((info.metadata as { general: { name: string } }).general.name).toBe(written);
      const tokenizer = await HfTokenizer.fromDirectory(dir);
      const other = await HfTokenizer.fromDirectory(stripTokenizer(`strip-other-${i}`, (c) => !strips(c) && phi3Rule(c)));
      const gguf = await lib.loadModel({ modelPath: path, vocabOnly: true });
      try {
        for (const text of TEXTS) {
          const ours = tokenizer.encode(text, { addSpecialTokens: false });
          expect(gguf.tokenize(text, true), JSON.stringify(text)).toEqual(ours);
          // the texts tell stripping and not stripping apart
          expect(ours).not.toEqual(other.encode(text, { addSpecialTokens: false }));
        }
      } finally {
        await gguf.dispose();
      }
    }, 60_000);
  }

  it("a tokenizer that strips after some special tokens only is refused, naming one, before anything is written", async () => {
    const dir = stripTokenizer("some-strip-tokenizer", (content) => content === "<|im_end|>");
    const model = randomDecoderModel({ ...TINY_ARCH, vocab: 464, maxPositions: 64 }, nativeKernels(), 3, 0.1);
    await expect(
      writeGgufModel({ model, tokenizerDir: dir, outPath: join(work, "some-strip.gguf"), dtype: "f32", name: "x" }),
    ).rejects.toThrow(
      /"<\|im_end\|>" strips the whitespace on its right \(rstrip\), which llama.cpp does only by its Phi-3 rule.*this tokenizer does not strip after "<\|im_start\|>".*export --format merged/,
    );
    expect(existsSync(join(work, "some-strip.gguf"))).toBe(false);
  });
});
