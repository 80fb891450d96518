import { describe, expect, it } from "vitest";
import type { ChatInputMessage, ChatInputTool } from "./chat-message.schema.ts";
import { ChatTemplate } from "./chat-template.ts";
import { encodeChat, renderChat } from "./render-chat.ts";
import { toTemplateMessages } from "./template-messages.ts";
import { loadTestTokenizer } from "./test-tokenizers.ts";

const CONVERSATION: ChatInputMessage[] = [
  { role: "system", content: "You are a helpful assistant." },
  { role: "user", content: "Hi!" },
  { role: "assistant", content: "Hello! How can I help?" },
  { role: "user", content: "What is 2+2?" },
];

const WEATHER: ChatInputTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

describe("renderChat with Qwen3's real chat template (ChatML, as on the Qwen3 model card)", async () => {
  const qwen = await loadTestTokenizer("qwen3");

  it("writes a multi-turn conversation with a system message, ending in the generation prompt", () => {
    expect(renderChat(qwen, CONVERSATION, { addGenerationPrompt: true })).toBe(
      "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n" +
        "<|im_start|>user\nHi!<|im_end|>\n" +
        "<|im_start|>assistant\nHello! How can I help?<|im_end|>\n" +
        "<|im_start|>user\nWhat is 2+2?<|im_end|>\n" +
        "<|im_start|>assistant\n",
    );
  });

  it("drops the reasoning of earlier turns, writes the last turn's (empty) think block, and honours enable_thinking", () => {
    const messages: ChatInputMessage[] = [
      { role: "user", content: "Hi!" },
      { role: "assistant", content: "<think>\nThe user greets me.\n</think>\n\nHello!" },
      { role: "user", content: "What is 2+2?" },
      { role: "assistant", content: "4" },
    ];
    expect(renderChat(qwen, messages)).toBe(
      "<|im_start|>user\nHi!<|im_end|>\n" +
        "<|im_start|>assistant\nHello!<|im_end|>\n" +
        "<|im_start|>user\nWhat is 2+2?<|im_end|>\n" +
        "<|im_start|>assistant\n<think>\n\n</think>\n\n4<|im_end|>\n",
    );
    expect(renderChat(qwen, messages.slice(0, 3), { addGenerationPrompt: true, variables: { enable_thinking: false } })).toMatch(
      /<\|im_start\|>user\nWhat is 2\+2\?<\|im_end\|>\n<\|im_start\|>assistant\n<think>\n\n<\/think>\n\n$/,
    );
  });

  it("puts the tools in the system message, writes tool calls with their arguments as JSON objects, and tool results", () => {
    const messages: ChatInputMessage[] = [
      {
        role: "developer",
        content: [
          { type: "text", text: "Be " },
          { type: "text", text: "brief." },
        ],
      },
      { role: "user", content: "Weather in Paris?" },
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }],
      },
      { role: "tool", tool_call_id: "call_1", content: "18°C" },
    ];
    expect(renderChat(qwen, messages, { tools: [WEATHER], addGenerationPrompt: true })).toBe(
      "<|im_start|>system\nBe brief.\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n" +
        "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n" +
        '{"type": "function", "function": {"name": "get_weather", "description": "Current weather in a city", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}\n' +
        "</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n" +
        '<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call><|im_end|>\n' +
        "<|im_start|>user\nWeather in Paris?<|im_end|>\n" +
        '<|im_start|>assistant\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call><|im_end|>\n' +
        "<|im_start|>user\n<tool_response>\n18°C\n</tool_response><|im_end|>\n" +
        "<|im_start|>assistant\n",
    );
  });

  it("encodes the rendered prompt with the special tokens as single ids", () => {
    const ids = encodeChat(qwen, CONVERSATION.slice(0, 2), { addGenerationPrompt: true });
    // <|im_start|> system \n You are a helpful assistant . <|im_end|> \n <|im_start|> user \n Hi ! <|im_end|> \n <|im_start|> assistant \n
    expect(ids).toEqual([
      151644, 8948, 198, 2610, 525, 264, 10950, 17847, 13, 151645, 198, 151644, 872, 198, 13048, 0, 151645, 198, 151644, 77091, 198,
    ]);
  });
});

describe("renderChat with Llama 3's real chat template (Meta's header format)", async () => {
  const llama = await loadTestTokenizer("llama3");

  it("writes a multi-turn conversation with a system message, ending in the assistant header", () => {
    expect(renderChat(llama, CONVERSATION, { addGenerationPrompt: true })).toBe(
      "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant.<|eot_id|>" +
        "<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>" +
        "<|start_header_id|>assistant<|end_header_id|>\n\nHello! How can I help?<|eot_id|>" +
        "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>" +
        "<|start_header_id|>assistant<|end_header_id|>\n\n",
    );
  });

  it("does not double <|begin_of_text|>: the template writes it, encoding adds none", () => {
    const ids = encodeChat(llama, CONVERSATION, { addGenerationPrompt: true });
    expect(ids[0]).toBe(128000);
    expect(ids.filter((id) => id === 128000)).toHaveLength(1);
    expect(ids.slice(0, 5)).toEqual([128000, 128006, 9125, 128007, 271]); // bos, <|start_header_id|>, "system", <|end_header_id|>, "\n\n"
    expect(ids.at(-1)).toBe(271);
  });
});

describe("ChatTemplate and the message conversion", () => {
  // Hand-written templates in the style of the ones on the Hub (Llama 3.1 and Qwen2.5 write `arguments | tojson`).
  const TOJSON =
    "{% for m in messages %}{% for c in m.tool_calls %}{{ c.function.name }}{{ c.function.arguments | tojson }}{% endfor %}{% endfor %}";
  const NAMED = new ChatTemplate(
    new Map([
      ["default", "{{ bos_token }}{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}{% if tools %}TOOLS{% endif %}"],
      ["tool_use", "{{ bos_token }}TOOL_USE {{ tools | length }} {{ tools[0].function.name }}"],
    ]),
    { bos_token: "<s>" },
    "test",
  );

  it("parses OpenAI's JSON-string arguments into objects, so `| tojson` writes them once", () => {
    const messages = toTemplateMessages([
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: '{"a":1,"b":"é"}' } }],
      },
    ]);
    expect(new ChatTemplate(new Map([["default", TOJSON]]), {}, "test").render(messages)).toBe('f{"a": 1, "b": "é"}');
    const notJson = toTemplateMessages([{ role: "assistant", tool_calls: [{ function: { name: "f", arguments: "not json" } }] }]);
    expect(notJson[0]?.tool_calls).toEqual([{ type: "function", function: { name: "f", arguments: "not json" } }]);
  });

  it("turns content parts, null content, developer and the legacy function role into what templates read", () => {
    expect(
      toTemplateMessages([
        { role: "developer", content: "sys" },
        {
          role: "user",
          content: [
            { type: "text", text: "a" },
            { type: "text", text: "b" },
          ],
        },
        { role: "assistant", content: null, function_call: { name: "f", arguments: "{}" }, weight: 0 },
        { role: "function", name: "f", content: "ok" },
      ]),
    ).toEqual([
      { role: "system", content: "sys" },
      { role: "user", content: "ab" },
      { role: "assistant", content: "", tool_calls: [{ type: "function", function: { name: "f", arguments: {} } }] },
      { role: "tool", content: "ok", name: "f" },
    ]);
    expect(() => toTemplateMessages([{ role: "user", content: [{ type: "image_url" }] }])).toThrow(
      /messages\[0\]\.content\[0\] is a "image_url" part/,
    );
  });

  it("uses the `tool_use` template of a named list for requests with tools, `default` otherwise", () => {
    const messages = toTemplateMessages([{ role: "user", content: "hi" }]);
    expect(NAMED.names).toEqual(["default", "tool_use"]);
    expect(NAMED.render(messages)).toBe("<s>[user]hi");
    expect(NAMED.render(messages, { tools: [WEATHER] })).toBe("<s>TOOL_USE 1 get_weather");
    expect(NAMED.render(messages, { tools: [] })).toBe("<s>[user]hi");
    const noDefault = new ChatTemplate(new Map([["rag", "x"]]), {}, "model-dir");
    expect(() => noDefault.render(messages)).toThrow(/model-dir: tokenizer_config\.json has chat templates rag but none named "default"/);
  });

  it("reports a template's own refusal (raise_exception) and a template that does not parse", () => {
    const strict = new ChatTemplate(
      new Map([["default", "{% if messages[0].role != 'user' %}{{ raise_exception('must start with user') }}{% endif %}ok"]]),
      {},
      "m",
    );
    expect(() => strict.render(toTemplateMessages([{ role: "assistant", content: "x" }]))).toThrow(
      /chat template of m refused the messages: .*must start with user/,
    );
    expect(() => new ChatTemplate(new Map([["default", "{% if %}"]]), {}, "m").render([])).toThrow(
      /is not a template @huggingface\/jinja can read/,
    );
  });
});
