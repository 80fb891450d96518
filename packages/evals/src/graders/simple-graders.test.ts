import { describe, expect, it } from "vitest";
import { toEvalItem, toSample } from "../item.ts";
import { readNumber } from "./numeric.ts";
import { GraderConfigError, parseGraderConfig, runGrader } from "./registry.ts";

const item = toEvalItem(
  {
    messages: [
      { role: "user", content: "2+2?" },
      { role: "assistant", content: "4" },
    ],
    price: 19.99,
  },
  0,
);
const grade = (config: Record<string, unknown>, output: string) => runGrader(parseGraderConfig(config), toSample(output), item);

describe("regex", () => {
  const base = { type: "regex", name: "r" };
  it("scores 1 when the pattern matches the output", async () => {
    expect(await grade({ ...base, pattern: "^\\d+$" }, "4")).toMatchObject({ score: 1, passed: true });
    expect(await grade({ ...base, pattern: "^\\d+$" }, "four")).toMatchObject({ score: 0, passed: false });
  });
  it("honours flags and negate", async () => {
    expect(await grade({ ...base, pattern: "^ticket", flags: "i" }, "TICKET 12")).toMatchObject({ score: 1 });
    expect(await grade({ ...base, pattern: "^ticket" }, "TICKET 12")).toMatchObject({ score: 0 });
    expect(await grade({ ...base, pattern: "sorry", flags: "i", negate: true }, "Sorry, I can't")).toMatchObject({
      score: 0,
      passed: false,
    });
    expect(await grade({ ...base, pattern: "sorry", flags: "i", negate: true }, "Done.")).toMatchObject({ score: 1, passed: true });
  });
  it("rejects a bad pattern or flags at config time, naming the path", () => {
    expect(() => parseGraderConfig({ ...base, pattern: "(" })).toThrow(/pattern: .*Invalid regular expression/);
    expect(() => parseGraderConfig({ ...base, pattern: "a", flags: "gg" })).toThrow(/flags: flags may only be/);
  });
});

describe("numeric", () => {
  const base = { type: "numeric", name: "n" };
  it("compares with the reference answer by default", async () => {
    expect(await grade(base, "4")).toMatchObject({ score: 1, passed: true });
    expect(await grade(base, "4.0")).toMatchObject({ score: 1, passed: true });
    expect(await grade(base, "5")).toMatchObject({ score: 0, passed: false });
  });
  it("applies absolute and relative tolerance", async () => {
    const priced = { ...base, reference: "{{item.price}}" };
    expect(await grade({ ...priced, tolerance: { abs: 0.01 } }, "20")).toMatchObject({ score: 1 });
    expect(await grade({ ...priced, tolerance: { abs: 0.001 } }, "20")).toMatchObject({ score: 0 });
    expect(await grade({ ...priced, tolerance: { rel: 0.0011 } }, "20.01")).toMatchObject({ score: 1 });
    expect(await grade({ ...priced, tolerance: { rel: 0.0009 } }, "20.01")).toMatchObject({ score: 0 });
  });
  it("extracts numbers from text only when asked", async () => {
    expect(await grade(base, "The answer is 4.")).toMatchObject({
      score: 0,
      passed: false,
      reason: expect.stringMatching(/has no number/),
    });
    expect(await grade({ ...base, extract: "last" }, "2 + 2 = 4")).toMatchObject({ score: 1 });
    expect(await grade({ ...base, extract: "first" }, "2 + 2 = 4")).toMatchObject({ score: 0 });
    expect(readNumber("Total: 1,234.5 USD", "first")).toBe(1234.5);
    expect(readNumber("-3e2", "strict")).toBe(-300);
    expect(readNumber("", "strict")).toBeUndefined();
  });
  it("errors when the reference is not a number", async () => {
    const result = await grade({ ...base, reference: "{{item.input.messages[0].content}}" }, "4");
    expect(result.error?.type).toBe("invalid_variable_error");
  });
});

describe("length", () => {
  const base = { type: "length", name: "l" };
  it("counts characters (code points) within [min, max]", async () => {
    expect(await grade({ ...base, min: 2, max: 4 }, "héé")).toMatchObject({ score: 1, reason: "3 chars within [2, 4]" });
    expect(await grade({ ...base, max: 2 }, "😀😀😀")).toMatchObject({ score: 0, reason: "3 chars outside [0, 2]" });
    expect(await grade({ ...base, min: 1 }, "")).toMatchObject({ score: 0 });
  });
  it("counts whitespace tokens", async () => {
    expect(await grade({ ...base, unit: "tokens", max: 3 }, "  one two\nthree ")).toMatchObject({
      score: 1,
      reason: "3 tokens within [0, 3]",
    });
    expect(await grade({ ...base, unit: "tokens", min: 4 }, "one two three")).toMatchObject({ score: 0 });
  });
  it("needs min or max, and min <= max", () => {
    expect(() => parseGraderConfig(base)).toThrow(GraderConfigError);
    expect(() => parseGraderConfig(base)).toThrow(/min: set min, max or both/);
    expect(() => parseGraderConfig({ ...base, min: 5, max: 2 })).toThrow(/max: min must be <= max/);
  });
});
