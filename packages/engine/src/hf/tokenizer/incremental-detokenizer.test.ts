import { describe, expect, it } from "vitest";
import { IncrementalDetokenizer } from "./incremental-detokenizer.ts";
import { loadTestTokenizer, type TestTokenizerName } from "./test-tokenizers.ts";

const TEXT = "Hi 🎉! naïve café, 世界 — 🦙Ꙋ done.\nNext line  with  spaces";

describe("IncrementalDetokenizer", () => {
  it("holds back a character split over byte-level tokens until it is whole (Qwen3)", async () => {
    const qwen = await loadTestTokenizer("qwen3");
    const ids = qwen.encode("ok 🎉", { addSpecialTokens: false });
    expect(ids.map((id) => qwen.idToToken(id))).toEqual(["ok", "ĠðŁ", "İ", "ī"]); // 🎉 = F0 9F 8E 89 over three tokens
    const detokenizer = new IncrementalDetokenizer(qwen);
    expect(ids.map((id) => detokenizer.push(id))).toEqual(["ok", "", "", " 🎉"]);
    expect(detokenizer.flush()).toBe("");
  });

  it("holds back SentencePiece byte-fallback pieces until they form a character, and keeps spaces between words", async () => {
    const mistral = await loadTestTokenizer("mistral");
    const ids = mistral.encode("Hello 🦙 world", { addSpecialTokens: false });
    expect(ids.map((id) => mistral.idToToken(id))).toEqual(["▁Hello", "▁", "<0xF0>", "<0x9F>", "<0xA6>", "<0x99>", "▁world"]);
    const detokenizer = new IncrementalDetokenizer(mistral);
    expect(ids.map((id) => detokenizer.push(id))).toEqual(["Hello", " ", "", "", "", "🦙", " world"]);
  });

  it.each<TestTokenizerName>(["qwen3", "llama3", "mistral"])("streams exactly decode() of all the ids (%s)", async (name) => {
    const tokenizer = await loadTestTokenizer(name);
    const ids = tokenizer.encode(TEXT, { addSpecialTokens: false });
    const detokenizer = new IncrementalDetokenizer(tokenizer);
    const pieces = ids.map((id) => detokenizer.push(id));
    pieces.push(detokenizer.flush());
    expect(pieces.join("")).toBe(tokenizer.decode(ids));
    expect(pieces.join("")).toBe(TEXT);
    for (const piece of pieces) expect(piece).not.toContain("\uFFFD");
  });

  it("leaves out the end-of-turn token by default, and flushes an incomplete character as U+FFFD", async () => {
    const llama = await loadTestTokenizer("llama3");
    const detokenizer = new IncrementalDetokenizer(llama);
    const ids = [...llama.encode("Done", { addSpecialTokens: false }), 128009];
    expect(ids.map((id) => detokenizer.push(id)).join("")).toBe("Done");

    const cut = new IncrementalDetokenizer(llama);
    const llamaEmoji = llama.encode("🦙", { addSpecialTokens: false }); // 9468 99 247
    expect(cut.push(llamaEmoji[0] ?? -1)).toBe("");
    expect(cut.flush()).toBe("\uFFFD");

    const keep = new IncrementalDetokenizer(llama, { skipSpecialTokens: false });
    expect(ids.map((id) => keep.push(id)).join("")).toBe("Done<|eot_id|>");
  });
});
