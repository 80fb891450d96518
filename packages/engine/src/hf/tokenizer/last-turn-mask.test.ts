/**
 * A chat template that writes earlier messages differently once an assistant message follows: Mistral 7B Instruct
 * v0.3's writes the system message only into a final user message, so no single rendering of a conversation with a
 * system message holds its reply as the model writes it. The training sequence is then the prompt the model sees at
 * inference (the same tokens as a chat completion's prompt) followed by the last assistant message as the template
 * writes it, separator included; earlier assistant messages carry no loss, and the job says so.
 */
import { afterAll, describe, expect, it } from "vitest";
import { mistralV3Checkpoint } from "../../../test/open-weights/mistral-v3-template.ts";
import { chatCodec } from "../chat-codec.ts";
import { lastTurnNotice } from "../lora/last-turn.ts";
import { assistantMask } from "./assistant-mask.ts";
import { HfTokenizer } from "./hf-tokenizer.ts";

const checkpoint = mistralV3Checkpoint();
afterAll(() => checkpoint.dispose());

const system = { role: "system" as const, content: "Route the ticket." };
const user = (content: string) => ({ role: "user" as const, content });
const assistant = (content: string) => ({ role: "assistant" as const, content });

describe("the last assistant message after its prompt at inference", () => {
  it("trains a reply to a system message on the tokens a chat completion's prompt has", async () => {
    const tokenizer = await HfTokenizer.fromDirectory(checkpoint.dir);
    const codec = chatCodec(tokenizer);
    const messages = [system, user("I was charged twice"), assistant("billing")];
    const mask = assistantMask(tokenizer, messages);
    expect(mask.lastTurnOnly).toBe(true);
    expect(tokenizer.decode(mask.ids)).toBe("[INST] Route the ticket.\n\nI was charged twice[/INST] billing<|im_end|>");
    const prompt = codec.encodeChat(messages.slice(0, 2), undefined);
    expect(mask.ids.slice(0, prompt.length)).toEqual(prompt);
    const [span] = mask.spans;
    expect(span).toMatchObject({ message: 2, start: prompt.length, end: mask.ids.length, weight: 1 });
    expect(tokenizer.decode(mask.ids.slice(span?.start, span?.end))).toBe(" billing<|im_end|>");
    expect(mask.weights.slice(0, prompt.length).every((w) => w === 0)).toBe(true);
  });

  it("keeps earlier turns as context without loss, and finds a reply that only calls a tool", async () => {
    const tokenizer = await HfTokenizer.fromDirectory(checkpoint.dir);
    const turns = assistantMask(tokenizer, [system, user("hi"), assistant("billing"), user("and?"), assistant("bug")]);
    expect(tokenizer.decode(turns.ids)).toBe("[INST] hi[/INST] billing<|im_end|>[INST] Route the ticket.\n\nand?[/INST] bug<|im_end|>");
    expect(turns.spans.map((s) => s.message)).toEqual([4]);
    expect(tokenizer.decode(turns.ids.filter((_, i) => turns.weights[i] === 1))).toBe(" bug<|im_end|>");

    const call = {
      role: "assistant" as const,
      content: null,
      tool_calls: [{ id: "call_0", type: "function" as const, function: { name: "weather", arguments: '{"city":"Paris"}' } }],
    };
    const tools = [{ type: "function" as const, function: { name: "weather" } }];
    const calls = assistantMask(tokenizer, [system, user("rain in Paris?"), call], tools);
    expect(calls.lastTurnOnly).toBe(true);
    const span = calls.spans[0];
    expect(tokenizer.decode(calls.ids.slice(span?.start, span?.end))).toMatch(
      /^\[TOOL_CALLS\] \[\{"name": "weather", "arguments": \{"city": "Paris"\}, "id": "[A-Za-z0-9]{9}"\}\]<\|im_end\|>$/,
    );
  });

  it("is not used when the template writes every message the same whatever follows", async () => {
    const tokenizer = await HfTokenizer.fromDirectory(checkpoint.dir);
    const mask = assistantMask(tokenizer, [user("hi"), assistant("billing"), user("and?"), assistant("bug")]);
    expect(mask.lastTurnOnly).toBeUndefined();
    expect(mask.spans.map((s) => s.message)).toEqual([1, 3]);
  });

  it("is said once in the job's events, with the assistant messages left without loss", () => {
    const one = { ids: [1], weights: [1], lastTurnOnly: true as const };
    const plain = { ids: [1], weights: [1] };
    const single = { messages: [system, user("a"), assistant("b")] };
    const multi = { messages: [system, user("a"), assistant("b"), user("c"), assistant("d")] };
    expect(lastTurnNotice([plain, plain], [single, single])).toBeUndefined();
    expect(lastTurnNotice([one, plain], [single, single])).toMatchObject({
      level: "info",
      message: expect.stringMatching(/^1 of 2 training examples train on their last assistant message .* nothing is left out\.$/),
      data: { last_turn_examples: 1, earlier_assistant_messages_without_loss: 0 },
    });
    expect(lastTurnNotice([one, one], [multi, single])).toMatchObject({
      level: "warn",
      message: expect.stringContaining("The 1 assistant message before the last in them is context without loss"),
    });
  });
});
