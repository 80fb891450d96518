import { describe, expect, it } from "vitest";
import { chatCodec } from "../chat-codec.ts";
import { loadTestTokenizer } from "../tokenizer/test-tokenizers.ts";
import { answerStart, opensReasoning, splitReasoning } from "./reasoning.ts";

describe("reasoning before the answer", () => {
  it("a prompt leaves a block open when its last <think> is not closed", () => {
    expect(opensReasoning("<｜User｜>Hi<｜Assistant｜><think>\n")).toBe(true); // the R1 distills, QwQ
    expect(opensReasoning("<|im_start|>assistant\n")).toBe(false); // Qwen3, thinking on: the model opens it
    expect(opensReasoning("<|im_start|>assistant\n<think>\n\n</think>\n\n")).toBe(false); // Qwen3, thinking off
  });

  it("splits Qwen3's output: the block the model opened, then the answer after its blank lines", () => {
    expect(splitReasoning("<think>\nCharged twice: payments.\n</think>\n\nbilling", false, true)).toEqual({
      reasoning: "Charged twice: payments.",
      content: "billing",
    });
    // an empty block (Qwen3 asked not to think writes one itself) is no reasoning to speak of, but still not content
    expect(splitReasoning("<think>\n\n</think>\n\nbilling", false, true)).toEqual({ reasoning: "", content: "billing" });
    // no block: all of it is the answer, untouched
    expect(splitReasoning(" billing <think>", false, true)).toEqual({ content: " billing <think>" });
    expect(splitReasoning("<", false, true)).toEqual({ content: "<" });
  });

  it("splits the R1 distills' output, whose block the prompt opened", () => {
    expect(splitReasoning("Charged twice.\n</think>\n\nbilling", true, true)).toEqual({ reasoning: "Charged twice.", content: "billing" });
    // ended without closing it: the answer was written in it (a model tuned on answers without reasoning)
    expect(splitReasoning("billing", true, true)).toEqual({ content: "billing" });
    // cut off by the token budget before </think>: still reasoning, no answer
    expect(splitReasoning("The user was charged", true, false)).toEqual({ reasoning: "The user was charged", content: "" });
    expect(splitReasoning("<think>\nThe user was", false, false)).toEqual({ reasoning: "The user was", content: "" });
    // cut off within what may have become <think>; ended there, it was the answer
    expect(splitReasoning("<th", false, false)).toEqual({ reasoning: "", content: "" });
    expect(splitReasoning("<th", false, true)).toEqual({ content: "<th" });
  });

  it("knows where the answer begins as the output grows, and not before", () => {
    const grow = (text: string, open: boolean) => Array.from({ length: text.length }, (_, i) => answerStart(text.slice(0, i + 1), open));
    const qwen = "<think>\nok\n</think>\n\nbilling";
    const starts = grow(qwen, false);
    expect(starts.slice(0, qwen.indexOf("billing"))).toEqual(Array(qwen.indexOf("billing")).fill(null));
    expect(new Set(starts.slice(qwen.indexOf("billing")))).toEqual(new Set([qwen.indexOf("billing")]));
    // text that may still become <think> waits; once it cannot, the answer is all of it
    expect(grow("<tool_call>", false)).toEqual([null, null, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(grow("billing", false)).toEqual(Array(7).fill(0));
    expect(grow("ok</think>\n x", true)).toEqual([...Array(12).fill(null), 12]);
  });
});

describe("Qwen3's own tokenizer and chat template", () => {
  it("opens no block in the prompt (the model opens it), with thinking on or off, and gives </think>'s text to the parser", async () => {
    const tokenizer = await loadTestTokenizer("qwen3");
    const codec = chatCodec(tokenizer);
    const messages = [{ role: "user" as const, content: "My invoice is wrong" }];
    expect(codec.opensReasoning).toBeDefined(); // its template writes </think>
    const on = codec.encodeChat(messages, undefined);
    const off = codec.encodeChat(messages, undefined, { enable_thinking: false });
    expect(codec.opensReasoning?.(on)).toBe(false);
    expect(codec.opensReasoning?.(off)).toBe(false);
    // thinking off: the template writes an empty block into the prompt
    const text = (ids: number[]) => new TextDecoder().decode(new Uint8Array(ids.flatMap((id) => [...codec.tokenBytes(id)])));
    expect(text(off.slice(on.length))).toBe("<think>\n\n</think>\n\n");
    // what the model writes, token by token, split as the server splits it
    const output = tokenizer.encode("<think>\nCharged twice.\n</think>\n\nbilling", { addSpecialTokens: false });
    expect(output).toContain(tokenizer.tokenToId("</think>"));
    expect(splitReasoning(text(output), codec.opensReasoning?.(on) ?? false, true)).toEqual({
      reasoning: "Charged twice.",
      content: "billing",
    });
  });
});
