import { describe, expect, it } from "vitest";
import { loadTestTokenizer } from "./test-tokenizers.ts";
import { tokenOffsets } from "./token-offsets.ts";

describe("tokenOffsets", () => {
  it("places byte-level tokens on the text; a token ending inside a character covers the whole character", async () => {
    const qwen = await loadTestTokenizer("qwen3");
    const text = "<|im_start|>user\nok 🎉<|im_end|>";
    const ids = qwen.encode(text, { addSpecialTokens: false });
    const slices = tokenOffsets(qwen, ids, text).map((o) => text.slice(o.start, o.end));
    // "ĠðŁ" holds the space and the first two bytes of 🎉 (2 UTF-16 units); "İ" and "ī" its last two bytes.
    expect(slices).toEqual(["<|im_start|>", "user", "\n", "ok", " 🎉", "🎉", "🎉", "<|im_end|>"]);
  });

  it("skips the spaces SentencePiece prepends (▁) that are not in the text", async () => {
    const mistral = await loadTestTokenizer("mistral");
    const text = "[INST] Hi 🦙 [/INST] Yo</s>";
    const ids = mistral.encode(text, { addSpecialTokens: false });
    expect(mistral.idToToken(ids[0] ?? -1)).toBe("▁["); // the normalizer prepends ▁ to the text
    const slices = tokenOffsets(mistral, ids, text).map((o) => text.slice(o.start, o.end));
    expect(slices.join("|")).toBe("[|INST|]| Hi| |🦙|🦙|🦙|🦙| [|/|INST|]| Y|o|</s>");
  });

  it("refuses text the tokenizer normalized (Qwen's NFC turns e + U+0301 into é)", async () => {
    const qwen = await loadTestTokenizer("qwen3");
    const text = "cafe\u0301";
    expect(() => tokenOffsets(qwen, qwen.encode(text, { addSpecialTokens: false }), text)).toThrow(/does not line up with the text/);
  });
});
