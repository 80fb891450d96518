/**
 * A chat template that writes earlier messages differently once an assistant message follows: Mistral 7B Instruct
 * v0.3's writes the system message only into a final user message, so no single rendering of a conversation with a
 * system message holds its replies as the model writes them. The conversation then trains turn by turn: one sequence
 * per reply, the prompt the model sees when writing it (the same tokens as a chat completion's prompt) followed by the
 * reply as the template writes it, separator included; the job says so.
 */
import { afterAll, describe, expect, it } from "vitest";
import { mistralV3Checkpoint } from "../../../test/open-weights/mistral-v3-template.ts";
import { chatCodec } from "../chat-codec.ts";
import { turnByTurnNotice } from "../lora/turn-sequences.ts";
import { assistantMask, assistantMasks } from "./assistant-mask.ts";
import { HfTokenizer } from "./hf-tokenizer.ts";

const checkpoint = mistralV3Checkpoint();
afterAll(() => checkpoint.dispose());

const system = { role: "system" as const, content: "Route the ticket." };
const user = (content: string) => ({ role: "user" as const, content });
const assistant = (content: string) => ({ role: "assistant" as const, content });

describe("a reply after its prompt at inference", () => {
  it("trains a reply to a system message on the tokens a chat completion's prompt has", async () => {
    const tokenizer = await HfTokenizer.fromDirectory(checkpoint.dir);
    const codec = chatCodec(tokenizer);
    const messages = [system, user("I was charged twice"), assistant("billing")];
    const mask = assistantMask(tokenizer, messages);
    expect(mask.oneTurn).toBe(true);
    expect(tokenizer.decode(mask.ids)).toBe("[INST] Route the ticket.\n\nI was charged twice[/INST] billing<|im_end|>");
    const prompt = codec.encodeChat(messages.slice(0, 2), undefined);
    expect(mask.ids.slice(0, prompt.length)).toEqual(prompt);
    const [span] = mask.spans;
    expect(span).toMatchObject({ message: 2, start: prompt.length, end: mask.ids.length, weight: 1 });
    expect(tokenizer.decode(mask.ids.slice(span?.start, span?.end))).toBe(" billing<|im_end|>");
    expect(mask.weights.slice(0, prompt.length).every((w) => w === 0)).toBe(true);
  });

  it("trains every reply of a conversation in a sequence of its own, and finds a reply that only calls a tool", async () => {
    const tokenizer = await HfTokenizer.fromDirectory(checkpoint.dir);
    const codec = chatCodec(tokenizer);
    const messages = [system, user("hi"), assistant("billing"), user("and?"), assistant("bug")];
    const turns = assistantMasks(tokenizer, messages);
    expect(turns.map((t) => tokenizer.decode(t.ids))).toEqual([
      "[INST] Route the ticket.\n\nhi[/INST] billing<|im_end|>",
      "[INST] hi[/INST] billing<|im_end|>[INST] Route the ticket.\n\nand?[/INST] bug<|im_end|>",
    ]);
    expect(turns.map((t) => t.spans.map((s) => s.message))).toEqual([[2], [4]]);
    expect(turns.map((t) => tokenizer.decode(t.ids.filter((_, i) => t.weights[i] === 1)))).toEqual([
      " billing<|im_end|>",
      " bug<|im_end|>",
    ]);
    // each sequence starts with the prompt a chat completion has for that turn
    for (const [n, k] of [2, 4].entries()) {
      const prompt = codec.encodeChat(messages.slice(0, k), undefined);
      expect(turns[n]?.ids.slice(0, prompt.length)).toEqual(prompt);
    }
    // a reply with weight 0 gets no sequence; assistantMask (DPO's responses) gives the last reply's
    expect(
      assistantMasks(tokenizer, [system, user("hi"), { ...assistant("billing"), weight: 0 as const }, user("and?"), assistant("bug")]),
    ).toHaveLength(1);
    expect(assistantMask(tokenizer, messages).spans.map((s) => s.message)).toEqual([4]);

    const call = {
      role: "assistant" as const,
      content: null,
      tool_calls: [{ id: "call_0", type: "function" as const, function: { name: "weather", arguments: '{"city":"Paris"}' } }],
    };
    const tools = [{ type: "function" as const, function: { name: "weather" } }];
    const calls = assistantMask(tokenizer, [system, user("rain in Paris?"), call], tools);
    expect(calls.oneTurn).toBe(true);
    const span = calls.spans[0];
    expect(tokenizer.decode(calls.ids.slice(span?.start, span?.end))).toMatch(
      /^\[TOOL_CALLS\] \[\{"name": "weather", "arguments": \{"city": "Paris"\}, "id": "[A-Za-z0-9]{9}"\}\]<\|im_end\|>$/,
    );
  });

  it("is not used when the template writes every message the same whatever follows", async () => {
    const tokenizer = await HfTokenizer.fromDirectory(checkpoint.dir);
    const mask = assistantMask(tokenizer, [user("hi"), assistant("billing"), user("and?"), assistant("bug")]);
    expect(mask.oneTurn).toBeUndefined();
    expect(assistantMasks(tokenizer, [user("hi"), assistant("billing"), user("and?"), assistant("bug")])).toHaveLength(1);
    expect(mask.spans.map((s) => s.message)).toEqual([1, 3]);
  });

  it("is said once in the job's events, with the sequences the examples became", () => {
    const turn = { ids: [1], weights: [1], oneTurn: true as const };
    const plain = { ids: [1], weights: [1] };
    expect(turnByTurnNotice([[plain], [plain]])).toBeUndefined();
    expect(turnByTurnNotice([[turn, turn], [plain], [turn]])).toMatchObject({
      level: "info",
      message: expect.stringMatching(/^2 of 3 training examples train turn by turn, .* \(3 sequences from them\): the chat template/),
      data: { turn_by_turn_examples: 2, turn_sequences: 3 },
    });
  });
});
