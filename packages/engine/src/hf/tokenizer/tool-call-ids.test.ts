/**
 * Mistral's tool-call convention takes tool-call ids of exactly 9 letters and digits, and its published templates
 * raise on any other ("Tool call IDs should be alphanumeric strings with length 9!"). The template below is written
 * for this test with that behaviour (a `[TOOL_CALLS]` list of calls with their ids, `[TOOL_RESULTS]` naming the
 * answered id, and the same check on ids). A conversation with OpenAI's ids renders through it, for inference and for
 * training's assistant mask, with each call and its result given the same 9-character id; other templates get the
 * ids as they are.
 */
import { describe, expect, it } from "vitest";
import { assistantMask } from "./assistant-mask.ts";
import type { ChatInputMessage } from "./chat-message.schema.ts";
import { HfTokenizer } from "./hf-tokenizer.ts";
import { renderChat } from "./render-chat.ts";
import { modelDirWith } from "./test-tokenizers.ts";
import { nineCharacterId } from "./tool-call-ids.ts";

const MISTRAL_STYLE = [
  "{{- bos_token }}",
  "{%- for message in messages %}",
  "{%- if message.role == 'user' %}{{- '[INST] ' + message.content + '[/INST]' }}",
  "{%- elif message.role == 'assistant' and message.tool_calls is defined %}{{- '[TOOL_CALLS] [' }}",
  "{%- for call in message.tool_calls %}",
  "{%- if call.id is not defined or call.id|length != 9 %}{{- raise_exception('Tool call IDs should be alphanumeric strings with length 9!') }}{%- endif %}",
  '{{- \'{"name": "\' + call.function.name + \'", "arguments": \' + (call.function.arguments|tojson) + \', "id": "\' + call.id + \'"}\' }}',
  "{%- if not loop.last %}{{- ', ' }}{%- endif %}",
  "{%- endfor %}{{- ']' + eos_token }}",
  "{%- elif message.role == 'assistant' %}{{- ' ' + message.content + eos_token }}",
  "{%- elif message.role == 'tool' %}",
  "{%- if message.tool_call_id is not defined or message.tool_call_id|length != 9 %}{{- raise_exception('Tool call IDs should be alphanumeric strings with length 9!') }}{%- endif %}",
  "{{- '[TOOL_RESULTS] {\"content\": ' + (message.content|tojson) + ', \"call_id\": \"' + message.tool_call_id + '\"}[/TOOL_RESULTS]' }}",
  "{%- endif %}",
  "{%- endfor %}",
].join("");

const CONVERSATION: ChatInputMessage[] = [
  { role: "user", content: "Weather in Paris and route my ticket" },
  {
    role: "assistant",
    content: null,
    tool_calls: [
      { id: "call_abc123def456", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
      { id: "call_zzz", type: "function", function: { name: "route_ticket", arguments: '{"team":"billing"}' } },
    ],
  },
  { role: "tool", tool_call_id: "call_abc123def456", content: "sunny" },
  { role: "tool", tool_call_id: "call_zzz", content: "routed" },
  { role: "assistant", content: "Sunny in Paris; your ticket went to billing." },
];

async function withTemplate(template: string) {
  const config = JSON.stringify({ bos_token: "<s>", eos_token: "</s>", chat_template: template });
  const dir = modelDirWith("mistral", { "tokenizer_config.json": config });
  return { tokenizer: await HfTokenizer.fromDirectory(dir.dir), dispose: dir.dispose };
}

describe("tool-call ids for Mistral's convention", () => {
  it("gives each call and the tool message answering it the same 9 letters and digits; 9-character ids are kept", () => {
    const a = nineCharacterId("call_abc123def456");
    expect(a).toMatch(/^[A-Za-z0-9]{9}$/);
    expect(nineCharacterId("call_abc123def456")).toBe(a);
    expect(nineCharacterId("call_zzz")).not.toBe(a);
    expect(nineCharacterId("a1B2c3D4e")).toBe("a1B2c3D4e");
  });

  it("renders a conversation with OpenAI's ids through a template that refuses any other length", async () => {
    const { tokenizer, dispose } = await withTemplate(MISTRAL_STYLE);
    try {
      const text = renderChat(tokenizer, CONVERSATION);
      const a = nineCharacterId("call_abc123def456");
      const z = nineCharacterId("call_zzz");
      expect(text).toContain(`"name": "get_weather", "arguments": {"city": "Paris"}, "id": "${a}"`);
      expect(text).toContain(`"call_id": "${a}"`);
      expect(text).toContain(`"id": "${z}"`);
      expect(text).toContain(`"call_id": "${z}"`);
      expect(text).not.toContain("call_abc");
      // training: the assistant mask covers the calls and the final reply
      const mask = assistantMask(tokenizer, CONVERSATION);
      const trained = tokenizer.decode(mask.ids.filter((_, i) => mask.weights[i] === 1));
      expect(trained).toContain("[TOOL_CALLS]");
      expect(trained).toContain(a);
      expect(trained).toContain("your ticket went to billing.");
    } finally {
      dispose();
    }
  });

  it("leaves ids as they are for templates of other conventions", async () => {
    const plain = MISTRAL_STYLE.replaceAll("[TOOL_CALLS]", "<calls>")
      .replaceAll("call.id|length != 9", "false")
      .replaceAll("message.tool_call_id|length != 9", "false");
    const { tokenizer, dispose } = await withTemplate(plain);
    try {
      const text = renderChat(tokenizer, CONVERSATION);
      expect(text).toContain('"id": "call_abc123def456"');
      expect(text).toContain('"call_id": "call_zzz"');
    } finally {
      dispose();
    }
  });
});
