import { describe, expect, it } from "vitest";
import { ChatTemplate } from "./chat-template.ts";
import { foldSystemIntoFirstUser } from "./system-fold.ts";
import type { TemplateMessage } from "./template-messages.ts";
import { toTemplateMessages } from "./template-messages.ts";
import { MISTRAL_V1_TEMPLATE } from "./test-templates.ts";

const template = (source: string) =>
  new ChatTemplate(new Map([["default", source]]), { bos_token: "<s>", eos_token: "</s>" }, "test-model");
const m = (role: string, content: string): TemplateMessage => ({ role, content });

describe("foldSystemIntoFirstUser", () => {
  it("writes the leading system messages at the start of the first user message, a blank line after each", () => {
    expect(foldSystemIntoFirstUser([m("system", "Route."), m("user", "Hi"), m("assistant", "ok")])).toEqual([
      m("user", "Route.\n\nHi"),
      m("assistant", "ok"),
    ]);
    expect(foldSystemIntoFirstUser([m("system", "A."), m("system", "B."), m("user", "Hi")])).toEqual([m("user", "A.\n\nB.\n\nHi")]);
  });

  it("keeps the user message's other fields, and moves nothing without a leading system message followed by a user one", () => {
    expect(foldSystemIntoFirstUser([m("system", "S"), { role: "user", content: "U", name: "ann" }])).toEqual([
      { role: "user", content: "S\n\nU", name: "ann" },
    ]);
    expect(foldSystemIntoFirstUser([m("user", "Hi"), m("system", "late")])).toBeNull();
    expect(foldSystemIntoFirstUser([m("system", "S"), m("assistant", "A")])).toBeNull();
    expect(foldSystemIntoFirstUser([m("system", "S")])).toBeNull();
    expect(foldSystemIntoFirstUser([])).toBeNull();
  });
});

describe("a chat template without a system role", () => {
  it("gets the system message (or developer message) in the first user message, as the model is then trained and served", () => {
    const mistral = template(MISTRAL_V1_TEMPLATE);
    expect(mistral.foldsSystem(false)).toBe(true);
    const messages = toTemplateMessages([
      { role: "developer", content: "Route the ticket." },
      { role: "user", content: "My invoice is wrong" },
      { role: "assistant", content: "billing" },
      { role: "user", content: "Error 500" },
    ]);
    expect(mistral.render(messages)).toBe("<s>[INST] Route the ticket.\n\nMy invoice is wrong [/INST]billing</s>[INST] Error 500 [/INST]");
    // without a system message the template renders as before
    expect(mistral.render(messages.slice(1, 2))).toBe("<s>[INST] My invoice is wrong [/INST]");
  });

  it("still refuses what it refuses otherwise, with its own words", () => {
    const mistral = template(MISTRAL_V1_TEMPLATE);
    expect(() => mistral.render([m("system", "S"), m("assistant", "A")])).toThrow(/roles must alternate/);
    expect(() => mistral.render([m("user", "U"), m("system", "late")])).toThrow(/Only user and assistant roles are supported/);
  });

  it("leaves templates with a system role as they are, and those that refuse a lone user message too", () => {
    const chatml = template(
      "{% for message in messages %}{{ '<|' + message['role'] + '|>' + message['content'] }}{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}",
    );
    expect(chatml.foldsSystem(false)).toBe(false);
    expect(chatml.render([m("system", "S"), m("user", "U")])).toBe("<|system|>S<|user|>U");
    const systemFirst = template("{% if messages[0]['role'] != 'system' %}{{ raise_exception('a system message first') }}{% endif %}ok");
    expect(systemFirst.foldsSystem(false)).toBe(false);
    expect(systemFirst.render([m("system", "S"), m("user", "U")])).toBe("ok");
  });

  it("is asked per template: a tool_use template with a system role, a default one without", () => {
    const named = new ChatTemplate(
      new Map([
        ["default", MISTRAL_V1_TEMPLATE],
        ["tool_use", "{% for message in messages %}{{ message['role'] + ':' + message['content'] + ';' }}{% endfor %}"],
      ]),
      { bos_token: "<s>", eos_token: "</s>" },
      "test-model",
    );
    expect(named.foldsSystem(false)).toBe(true);
    expect(named.foldsSystem(true)).toBe(false);
    const tools = [{ type: "function" as const, function: { name: "f" } }];
    expect(named.render([m("system", "S"), m("user", "U")], { tools })).toBe("system:S;user:U;");
  });
});
