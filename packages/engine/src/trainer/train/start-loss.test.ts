// The divergence monitor's starting loss is measured on the run's first examples, as few as make START_LOSS_TOKENS
// tokens (at least MIN_START_LOSS_EXAMPLES, at most START_LOSS_EXAMPLES): long examples no longer cost 64 forward passes.
import { describe, expect, it } from "vitest";
import type { Encoded } from "../tokenizer/chat-template.ts";
import { MIN_START_LOSS_EXAMPLES, START_LOSS_EXAMPLES, START_LOSS_TOKENS, startLossExamples } from "./loop.ts";

const example = (tokens: number): Encoded => ({
  tokens: new Int32Array(tokens),
  lossMask: new Uint8Array(tokens),
  promptMask: new Uint8Array(tokens),
});

describe("startLossExamples", () => {
  it("takes the first examples, in order, until they hold START_LOSS_TOKENS tokens", () => {
    const long = Array.from({ length: 224 }, (_, i) => example(400 + (i % 10)));
    const chosen = startLossExamples(long);
    expect(chosen).toEqual(long.slice(0, chosen.length));
    const tokens = chosen.reduce((sum, e) => sum + e.tokens.length, 0);
    expect(tokens).toBeGreaterThanOrEqual(START_LOSS_TOKENS);
    expect(tokens - (chosen.at(-1)?.tokens.length ?? 0)).toBeLessThan(START_LOSS_TOKENS);
    expect(chosen.length).toBe(Math.ceil(START_LOSS_TOKENS / 404.5)); // 400..409 tokens each
  });

  it("takes at most START_LOSS_EXAMPLES short examples and at least MIN_START_LOSS_EXAMPLES very long ones", () => {
    expect(startLossExamples(Array.from({ length: 500 }, () => example(20)))).toHaveLength(START_LOSS_EXAMPLES);
    expect(startLossExamples(Array.from({ length: 500 }, () => example(5000)))).toHaveLength(MIN_START_LOSS_EXAMPLES);
    expect(startLossExamples(Array.from({ length: 3 }, () => example(10)))).toHaveLength(3);
  });
});
