import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { ChatExample } from "../types.ts";
import { encodeExample, encodePrompt, exampleTexts } from "./chat-template.ts";
import { pretokenize } from "./pretokenize.ts";
import { END } from "./special.ts";
import { Tokenizer } from "./tokenizer.ts";

const ticketFile = new URL("../../../../../examples/ticket-routing/train-v2.jsonl", import.meta.url);
const tickets = readFileSync(ticketFile, "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l) as ChatExample);

describe("tokenizer", () => {
  const tok = Tokenizer.train(
    tickets.flatMap((e) => [...exampleTexts(e)]),
    512,
  );

  it("learns up to the target vocabulary, deterministically", () => {
    expect(tok.vocabSize).toBe(512);
    const again = Tokenizer.train(
      tickets.flatMap((e) => [...exampleTexts(e)]),
      512,
    );
    expect(again.merges).toEqual(tok.merges);
  });

  it("round-trips any text, including unicode, specials-as-text and unseen words", () => {
    for (const text of [
      "",
      "Hello, world!",
      "naïve café 🎉 — 東京",
      "  two  spaces\n\nand\ttabs ",
      "<|end|> is text here",
      "zzqx_unseen-WORD 12345",
    ]) {
      expect(tok.decode(tok.encode(text))).toBe(text);
    }
    expect(tok.encode("<|end|>")).not.toContain(END);
  });

  it("splits at word boundaries, so label values become single tokens", () => {
    expect(pretokenize('{"category":"billing"}')).toEqual(['{"', "category", '":"', "billing", '"}']);
    for (const label of ["billing", "technical", "urgent", "normal"]) expect(tok.encode(label)).toHaveLength(1);
  });

  it("serialises with the model", () => {
    const copy = Tokenizer.fromJSON(JSON.parse(JSON.stringify(tok.toJSON())));
    expect(copy.encode("Production is down. Regards, Tom")).toEqual(tok.encode("Production is down. Regards, Tom"));
  });

  it("puts the loss mask on assistant tokens only, honouring weight 0", () => {
    const example: ChatExample = {
      messages: [
        { role: "system", content: "sys" },
        { role: "user", content: "hi" },
        { role: "assistant", content: "skip me", weight: 0 },
        { role: "user", content: [{ type: "text", text: "again" }] },
        { role: "assistant", content: "learn me" },
      ],
    };
    const { tokens, lossMask, promptMask } = encodeExample(tok, example);
    const learned = Array.from(tokens).filter((_, i) => lossMask[i] === 1);
    expect(tok.decode(learned)).toBe("learn me<|end|>");
    // Prompt tokens (for the auxiliary prompt loss): every other role's text and the role markers,
    // never the weight-0 answer and never BOS.
    const prompt_ = tok.decode(Array.from(tokens).filter((_, i) => promptMask[i] === 1));
    expect(prompt_).toBe("<|system|>sys<|end|><|user|>hi<|end|><|assistant|><|user|>again<|end|><|assistant|>");
    expect(Array.from(lossMask).every((m, i) => m === 0 || promptMask[i] === 0)).toBe(true);
    const prompt = encodePrompt(tok, example.messages.slice(0, 4));
    expect(Array.from(tokens.slice(0, prompt.length))).toEqual(prompt);
  });

  it("serialises tools and tool calls into the text so function calling trains", () => {
    const example: ChatExample = {
      tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }],
      messages: [
        { role: "user", content: "Weather in Paris?" },
        {
          role: "assistant",
          tool_calls: [{ id: "c1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }],
        },
        { role: "tool", tool_call_id: "c1", content: "18C" },
        { role: "assistant", content: "It is 18C." },
      ],
    };
    const { tokens, lossMask } = encodeExample(tok, example);
    const learned = tok.decode(Array.from(tokens).filter((_, i) => lossMask[i] === 1));
    expect(learned).toBe('<|call|>{"name":"get_weather","arguments":{"city":"Paris"}}<|end|>It is 18C.<|end|>');
    expect(tok.decode(tokens)).toContain('<|tools|>[{"type":"function"');
  });
});
