import { describe, expect, it } from "vitest";
import { tokenizerIds, unembeddedTokenProblem, vocabFitProblem } from "./vocab-fit.ts";

const tokenizer = (added: Array<{ id: number; content: string; special: boolean }>) => ({
  model: { vocab: { a: 0, b: 1, c: 2 } },
  added_tokens: added,
});

describe("a tokenizer's fit to the embedding table", () => {
  it("counts every id, and leaves special tokens past the table out (Gemma 3's <image_soft_token>)", () => {
    const t = tokenizer([
      { id: 3, content: "<eos>", special: true },
      { id: 4, content: "<image_soft_token>", special: true },
    ]);
    expect(tokenizerIds(t)).toEqual({ count: 5, unembedded: [] });
    expect(tokenizerIds(t, 4)).toEqual({ count: 4, unembedded: [{ id: 4, content: "<image_soft_token>" }] });
    expect(vocabFitProblem(tokenizerIds(t, 4).count, 4)).toBeUndefined();
  });

  it("still refuses ordinary tokens past the table, and holes below the highest id", () => {
    const t = tokenizer([{ id: 4, content: "word", special: false }]);
    expect(vocabFitProblem(tokenizerIds(t, 4).count, 4)).toBe("5 tokens, more than the model's 4 embedding rows");
    expect(tokenizerIds(t, 4).missing).toBe(3);
  });

  it("refuses ids a text encodes to past the table, naming the token", () => {
    const text = (id: number) => (id === 4 ? "<image_soft_token>" : "x");
    expect(unembeddedTokenProblem([0, 1, 3], 4, text)).toBeUndefined();
    expect(unembeddedTokenProblem([0, 4, 1], 4, text)).toBe(
      "the text holds <image_soft_token> (token id 4), a token of the tokenizer the model has no embedding row for (it has 4); remove it from the text",
    );
  });
});
