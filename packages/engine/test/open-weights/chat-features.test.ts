/**
 * chatFeatures: what `models show` says of a model's chat template, asked of the template: tool calling and the form of
 * a call, reasoning blocks, a system role. On the fixtures' ChatML (Hermes' <tool_call>), and on copies carrying Mistral
 * v0.3's template ([TOOL_CALLS]), Phi-4-mini's (<|tool_call|>, given through the system message), a template that writes
 * no tools, one that writes reasoning blocks, and one without a system role.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { chatFeatures } from "../../src/hf/chat-features.ts";
import { fixtureWithTemplate, MISTRAL_V3_TOOLS_TEMPLATE } from "./mistral-v3-template.ts";
import { FIXTURES } from "./reference.ts";

const PHI4 = readFileSync(fileURLToPath(new URL("../../fixtures/chat-templates/phi-4-mini-instruct.jinja", import.meta.url)), "utf8");
const PLAIN =
  "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";
const THINKING = PLAIN.replace("{{ m.content }}", "{{ m.content.split('</think>')[-1] }}");
const NO_SYSTEM =
  "{% for m in messages %}{% if m.role == 'system' %}{{ raise_exception('no system role') }}{% endif %}[{{ m.role }}] {{ m.content }}\n{% endfor %}";

const copies: Array<{ dispose: () => void }> = [];
const withTemplate = (template: string) => {
  const copy = fixtureWithTemplate(template, { fixture: "qwen2" });
  copies.push(copy);
  return copy.dir;
};
afterAll(() => {
  for (const c of copies) c.dispose();
});

describe("what a chat template does with OpenAI chat data", () => {
  it.each([
    [
      "the fixtures' ChatML with tools (Hermes, Qwen)",
      () => `${FIXTURES}qwen2`,
      { toolCalling: true, toolCallForm: "<tool_call>", reasoning: false, systemRole: true },
    ],
    [
      "Mistral v0.3's",
      () => withTemplate(MISTRAL_V3_TOOLS_TEMPLATE),
      { toolCalling: true, toolCallForm: "[TOOL_CALLS]", reasoning: false, systemRole: true },
    ],
    ["Phi-4-mini's", () => withTemplate(PHI4), { toolCalling: true, toolCallForm: "<|tool_call|>", reasoning: false, systemRole: true }],
    ["one without tools", () => withTemplate(PLAIN), { toolCalling: false, reasoning: false, systemRole: true }],
    ["one writing reasoning blocks", () => withTemplate(THINKING), { toolCalling: false, reasoning: true, systemRole: true }],
    ["one without a system role", () => withTemplate(NO_SYSTEM), { toolCalling: false, reasoning: false, systemRole: false }],
  ] as const)("%s", async (_, dir, expected) => {
    expect(await chatFeatures(dir())).toEqual(expected);
  });
});
