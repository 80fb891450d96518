import { afterAll, describe, expect, it } from "vitest";
import { type AssistantMask, assistantMask, assistantMasks } from "./assistant-mask.ts";
import type { ChatInputMessage } from "./chat-message.schema.ts";
import { HfTokenizer } from "./hf-tokenizer.ts";
import { loadTestTokenizer, modelDirWith } from "./test-tokenizers.ts";

/** The text of each span, and of all tokens with weight 1 run together. */
function spanTexts(tokenizer: HfTokenizer, mask: AssistantMask): string[] {
  return mask.spans.map((s) => tokenizer.decode(mask.ids.slice(s.start, s.end)));
}
function trainedText(tokenizer: HfTokenizer, mask: AssistantMask): string {
  return tokenizer.decode(mask.ids.filter((_, i) => mask.weights[i] === 1));
}

describe("assistantMask with Qwen3's real template", async () => {
  const qwen = await loadTestTokenizer("qwen3");

  it("marks each reply and its <|im_end|>; earlier turns as the conversation renders them, the last with its think block", () => {
    // A public SFT test computed these ids and labels with transformers and the real Qwen3 tokenizer (its input_ids
    // stop before the final "<|im_end|>\n"; its labels, shifted by one for next-token prediction, mark these tokens).
    const messages: ChatInputMessage[] = [
      { role: "system", content: "You are a helpful assistant." },
      { role: "user", content: "Hello" },
      { role: "assistant", content: "Hi there!" },
      { role: "user", content: "What is Python?" },
      { role: "assistant", content: "A programming language." },
      { role: "user", content: "Thanks" },
      { role: "assistant", content: "You are welcome!" },
    ];
    const mask = assistantMask(qwen, messages);
    const published = [
      [151644, 8948, 198, 2610, 525, 264, 10950, 17847, 13, 151645, 198],
      [151644, 872, 198, 9707, 151645, 198],
      [151644, 77091, 198, 13048, 1052, 0, 151645, 198],
      [151644, 872, 198, 3838, 374, 13027, 30, 151645, 198],
      [151644, 77091, 198, 32, 15473, 4128, 13, 151645, 198],
      [151644, 872, 198, 12658, 151645, 198],
      [151644, 77091, 198, 151667, 271, 151668, 271, 2610, 525, 10565, 0],
    ].flat();
    expect(mask.ids).toEqual([...published, 151645, 198]);
    const trained = [
      [20, 21, 22, 23],
      [37, 38, 39, 40, 41],
      [52, 53, 54, 55, 56, 57, 58, 59, 60],
    ].flat();
    expect(mask.weights.flatMap((w, i) => (w === 1 ? [i] : []))).toEqual(trained);
    expect(spanTexts(qwen, mask)).toEqual([
      "Hi there!<|im_end|>",
      "A programming language.<|im_end|>",
      "<think>\n\n</think>\n\nYou are welcome!<|im_end|>",
    ]);
    expect(mask.spans.map((s) => [s.message, s.form])).toEqual([
      [2, "in-history"],
      [4, "in-history"],
      [6, "as-last"],
    ]);
  });

  it("covers tool calls, leaves tool results and weight-0 replies out", () => {
    const messages: ChatInputMessage[] = [
      { role: "user", content: "Weather in Paris?" },
      { role: "assistant", content: "Let me check.", weight: 0 },
      { role: "user", content: "Go on." },
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "c1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }],
      },
      { role: "tool", tool_call_id: "c1", content: "18°C" },
      { role: "assistant", content: "It is 18°C in Paris." },
    ];
    const tools = [{ type: "function" as const, function: { name: "get_weather", parameters: { type: "object" } } }];
    const mask = assistantMask(qwen, messages, tools);
    expect(spanTexts(qwen, mask)).toEqual([
      "Let me check.<|im_end|>",
      '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call><|im_end|>',
      "<think>\n\n</think>\n\nIt is 18°C in Paris.<|im_end|>",
    ]);
    expect(mask.spans.map((s) => s.weight)).toEqual([0, 1, 1]);
    expect(trainedText(qwen, mask)).toBe(
      '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call><|im_end|><think>\n\n</think>\n\nIt is 18°C in Paris.<|im_end|>',
    );
    expect(qwen.decode(mask.ids)).toContain("<tool_response>\n18°C\n</tool_response>");
  });

  it("in non-thinking mode the empty think block is prompt, not reply, and each reply trains after it", () => {
    const messages: ChatInputMessage[] = [
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello!" },
      { role: "user", content: "2+2?" },
      { role: "assistant", content: "4" },
    ];
    // the generation prompt ends with the empty think block, which the template leaves out of a reply in the history:
    // the conversation does not go on as the prompt at inference, so each reply is a sequence after its own prompt
    const masks = assistantMasks(qwen, messages, null, { variables: { enable_thinking: false } });
    expect(masks.map((m) => spanTexts(qwen, m))).toEqual([["Hello!<|im_end|>"], ["4<|im_end|>"]]);
    for (const m of masks)
      expect(qwen.decode(m.ids.slice(0, m.spans[0]?.start))).toMatch(/<\|im_start\|>assistant\n<think>\n\n<\/think>\n\n$/);
  });
});

describe("assistantMask with Llama 3's real template", async () => {
  const llama = await loadTestTokenizer("llama3");

  it("marks each reply and its <|eot_id|>, honouring weight: 0", () => {
    const messages: ChatInputMessage[] = [
      { role: "system", content: "Answer in one word." },
      { role: "user", content: "Capital of France?" },
      { role: "assistant", content: "Paris, of course.", weight: 0 },
      { role: "user", content: "Of Japan? ✓" },
      { role: "assistant", content: "東京 (Tokyo) 🗼" },
    ];
    const mask = assistantMask(llama, messages);
    expect(mask.ids.filter((id) => id === 128000)).toHaveLength(1);
    expect(spanTexts(llama, mask)).toEqual(["Paris, of course.<|eot_id|>", "東京 (Tokyo) 🗼<|eot_id|>"]);
    expect(trainedText(llama, mask)).toBe("東京 (Tokyo) 🗼<|eot_id|>");
    expect(mask.spans.map((s) => s.form)).toEqual(["as-last", "as-last"]);
    expect(mask.weights).toHaveLength(mask.ids.length);
    expect(mask.weights.at(-1)).toBe(1);
  });
});

describe("assistantMask with hand-written templates", async () => {
  // One tokenizer (Qwen3's files) whose template switches on a variable, to exercise templates unlike the real ones.
  const template = [
    "{%- if mode == 'plain' -%}",
    "{%- for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor -%}",
    "{%- if add_generation_prompt %}<|im_start|>assistant\n{% endif -%}",
    "{%- elif mode == 'unstable' -%}",
    "{%- for m in messages %}{{ m.role }}{% if loop.last %}(last){% endif %}: {{ m.content }}<|im_end|>{% endfor -%}",
    "{%- if add_generation_prompt %}assistant: {% endif -%}",
    "{%- elif mode == 'no-eos' -%}",
    "{%- for m in messages %}{{ m.role }}: {{ m.content }}{% if m.role == 'assistant' and loop.last %}<|im_end|>{% endif %}\n{% endfor -%}",
    "{%- if add_generation_prompt %}assistant: {% endif -%}",
    "{%- elif mode == 'tool-last' -%}",
    // as Hermes 3's tool template: a tool turn ends "R<|im_end|>" when it is the last message, "R\n<|im_end|>" otherwise
    "{%- for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}",
    "{%- if m.role == 'tool' and not loop.last %}{{ '\\n' }}{% endif %}<|im_end|>{% if m.role != 'tool' %}{{ '\\n' }}{% endif %}{% endfor -%}",
    "{%- if add_generation_prompt %}<|im_start|>assistant\n{% endif -%}",
    "{%- endif -%}",
  ].join("");
  const model = modelDirWith("qwen3", { "tokenizer_config.json": JSON.stringify({ eos_token: "<|im_end|>", chat_template: template }) });
  const tokenizer = await HfTokenizer.fromDirectory(model.dir);
  afterAll(() => model.dispose());
  const messages: ChatInputMessage[] = [
    { role: "user", content: "a" },
    { role: "assistant", content: "b" },
    { role: "user", content: "c" },
    { role: "assistant", content: "d" },
  ];

  it("works for a template it has never seen", () => {
    const mask = assistantMask(tokenizer, messages, null, { variables: { mode: "plain" } });
    expect(spanTexts(tokenizer, mask)).toEqual(["b<|im_end|>", "d<|im_end|>"]);
  });

  it("finds the boundary from token offsets when the reply merges with the prompt into one token", () => {
    // The prompt ends in "\n" and the reply starts with "\n": the text "\n\n" is one token (271) in the conversation,
    // so the prompt's tokens are not a prefix of the conversation's.
    const merged: ChatInputMessage[] = [
      { role: "user", content: "a" },
      { role: "assistant", content: "\nHello" },
    ];
    const mask = assistantMask(tokenizer, merged, null, { variables: { mode: "plain" } });
    expect(mask.ids.map((id) => tokenizer.idToToken(id)).slice(7, 10)).toEqual(["assistant", "ĊĊ", "Hello"]);
    expect(mask.spans[0]?.start).toBe(8);
    expect(spanTexts(tokenizer, mask)).toEqual(["\n\nHello<|im_end|>"]); // the straddling token belongs to the reply
  });

  it("trains the last reply after its prompt at inference when the template writes earlier messages differently once more follow", () => {
    const mask = assistantMask(tokenizer, messages, null, { variables: { mode: "unstable" } });
    expect(mask.oneTurn).toBe(true);
    expect(tokenizer.decode(mask.ids)).toBe("user: a<|im_end|>assistant: b<|im_end|>user(last): c<|im_end|>assistant: d<|im_end|>");
    // "assistant: " then "d": the prompt's last space and the reply's first letter are one token, which belongs to the reply
    expect(spanTexts(tokenizer, mask)).toEqual([" d<|im_end|>"]);
    // a last reply with nothing to find it by is refused, naming the first message the template rewrites
    const empty: ChatInputMessage[] = [...messages.slice(0, 3), { role: "assistant", content: "" }];
    expect(() => assistantMask(tokenizer, empty, null, { variables: { mode: "unstable" } })).toThrow(
      /messages\[1\]: the chat template writes the messages before this assistant message differently/,
    );
  });

  it("trains turn by turn when the prompt goes on after an end-of-sequence token the whole conversation writes elsewhere", () => {
    // the prompt before the reply ends "R<|im_end|><|im_start|>assistant\n", the conversation "R\n<|im_end|>…": that
    // <|im_end|> ends the tool turn (it is not a trailer of renderings without a generation prompt, as Phi-3's eos is)
    const withTool: ChatInputMessage[] = [
      { role: "user", content: "a" },
      { role: "assistant", content: "b" },
      { role: "tool", content: "R" },
      { role: "assistant", content: "d" },
    ];
    const masks = assistantMasks(tokenizer, withTool, null, { variables: { mode: "tool-last" } });
    expect(masks.map((m) => spanTexts(tokenizer, m))).toEqual([["b<|im_end|>"], ["d<|im_end|>"]]);
    const last = masks[1] as AssistantMask;
    expect(tokenizer.decode(last.ids.slice(0, last.spans[0]?.start))).toBe(
      "<|im_start|>user\na<|im_end|>\n<|im_start|>assistant\nb<|im_end|>\n<|im_start|>tool\nR<|im_end|><|im_start|>assistant\n",
    );
  });

  it("refuses a turn written differently in history when no end-of-sequence token ends it", () => {
    expect(() => assistantMask(tokenizer, messages, null, { variables: { mode: "no-eos" } })).toThrow(
      /messages\[1\]: .* no end-of-sequence token ends it/,
    );
  });
});
