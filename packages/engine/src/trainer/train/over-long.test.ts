import { describe, expect, it } from "vitest";
import { countOverLong, overLongNotice } from "./over-long.ts";

describe("countOverLong", () => {
  it("counts examples with more positions (tokens - 1) than the context", () => {
    // 257 tokens = 256 positions: fits a 256 context; 258 does not
    expect(countOverLong([10, 257, 258, 300], 256)).toEqual({ count: 2, longest: 300 });
    expect(countOverLong([], 256)).toEqual({ count: 0, longest: 0 });
  });
});

describe("overLongNotice", () => {
  it("is undefined when every example fits", () => {
    expect(overLongNotice({ training: [257, 12], validation: [100] }, 256)).toBeUndefined();
  });

  it("names the training file alone, in the singular", () => {
    const notice = overLongNotice({ training: [300, 12, 40] }, 256);
    expect(notice?.level).toBe("warn");
    expect(notice?.message).toBe(
      "1 of 3 training examples is longer than the model's training context of 256 tokens (the longest: 300 tokens); " +
        "each is trained on its last 256 tokens, so the start of its prompt is not seen. Shorten them, or choose a model with a longer context.",
    );
    expect(notice?.data).toEqual({ over_long_examples: { context_tokens: 256, training: 1, validation: 0, longest_tokens: 300 } });
  });

  it("names the validation file alone, and both together", () => {
    expect(overLongNotice({ training: [5], validation: [5, 600] }, 512, "preference pairs")?.message).toMatch(
      /^1 of 2 validation preference pairs is longer than the model's training context of 512 tokens \(the longest: 600 tokens\)/,
    );
    expect(overLongNotice({ training: [900, 900], validation: [700] }, 512)?.message).toMatch(
      /^2 of 2 training examples and 1 of 1 validation examples are longer than .* \(the longest: 900 tokens\)/,
    );
  });

  it("says which validation examples it counted when validation reads only the first of a longer file", () => {
    expect(overLongNotice({ training: [5], validation: [5, 600, 700], validationInFile: 1200 }, 512)?.message).toMatch(
      /^2 of the first 3 validation examples \(the ones validation uses, of 1200 in the file\) are longer than/,
    );
    // a file validation reads whole is counted as before
    expect(overLongNotice({ training: [5], validation: [5, 600], validationInFile: 2 }, 512)?.message).toMatch(
      /^1 of 2 validation examples is longer than/,
    );
  });
});
