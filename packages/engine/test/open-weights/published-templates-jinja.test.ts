/**
 * The engine renders chat templates with @huggingface/jinja; transformers and vLLM render them with Python's jinja2.
 * A model the engine tunes is served elsewhere on what those render, so the published templates of the families the
 * engine runs (published-templates.ts) must render the same text in both for OpenAI chat data: with and without a
 * system message, several turns, tools, a tool call and its result, with and without the generation prompt.
 * The reference is scripts/chat_template_reference.py (jinja2 set up as transformers sets it up), run live; skipped
 * without python3's jinja2 (Debian: python3-jinja2) or llama.cpp's source.
 *
 * Found by it: Hermes 2 Pro's and Hermes 3's tool templates write `param_fields.description|trim` for every parameter,
 * and jinja2 renders an undefined description as "" where @huggingface/jinja threw (jinja-template.ts).
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compileChatTemplate } from "../../src/hf/tokenizer/jinja-template.ts";
import { publishedTemplate, publishedTemplatesDir } from "../published-templates.ts";

/** llama.cpp's file names of the published templates of architectures the engine runs. */
const TEMPLATES = [
  "meta-llama-Llama-3.1-8B-Instruct",
  "meta-llama-Llama-3.2-3B-Instruct",
  "meta-llama-Llama-3.3-70B-Instruct",
  "NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use",
  "NousResearch-Hermes-3-Llama-3.1-8B-tool_use",
  "fireworks-ai-llama-3-firefunction-v2",
  "deepseek-ai-DeepSeek-R1-Distill-Llama-8B",
  "Qwen-Qwen2.5-7B-Instruct",
  "Qwen-QwQ-32B",
  "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B",
  "Qwen-Qwen3-0.6B",
  "mistralai-Mistral-Nemo-Instruct-2407",
  "unsloth-mistral-Devstral-Small-2507",
  "google-gemma-2-2b-it",
  "microsoft-Phi-3.5-mini-instruct",
  "ibm-granite-granite-3.3-2B-Instruct",
  "HuggingFaceTB-SmolLM3-3B",
];

const TOOLS = [
  {
    type: "function",
    function: {
      name: "route_ticket",
      description: "Send a support ticket to a team",
      // no description on the parameters, as OpenAI's schemas often have none
      parameters: {
        type: "object",
        properties: { team: { type: "string", enum: ["billing", "technical"] }, urgent: { type: "boolean" } },
        required: ["team"],
      },
    },
  },
];
const user = (content: string) => ({ role: "user", content });
const assistant = (content: string) => ({ role: "assistant", content });
const CALL = { id: "call7Kq2x", type: "function", function: { name: "route_ticket", arguments: { team: "billing", urgent: true } } };
const CONVERSATIONS: Record<string, { messages: Record<string, unknown>[]; tools?: unknown[] }> = {
  "a system message": {
    messages: [
      { role: "system", content: "Route support tickets. Reply with JSON." },
      user("Charged twice — 二重請求"),
      assistant('{"team": "billing"}'),
    ],
  },
  "several turns": { messages: [user("Hi there"), assistant("Hello! How can I help?"), user("The app crashes."), assistant("technical")] },
  // OpenAI's `parameters` is optional: a tool that takes none (Hermes' templates read `parameters.properties|items`,
  // which both refuse)
  "a tool without parameters": {
    tools: [{ type: "function", function: { name: "list_teams", description: "The teams tickets go to" } }],
    messages: [user("Which teams are there?"), assistant("billing and technical")],
  },
  "a tool call and its result": {
    tools: TOOLS,
    messages: [
      { role: "system", content: "Route with the tool." },
      user("I was billed after I cancelled."),
      { role: "assistant", content: "", tool_calls: [CALL] },
      { role: "tool", tool_call_id: CALL.id, content: "routed to billing" },
      assistant("I sent your ticket to billing."),
    ],
  },
};
const TOKENS = { bos_token: "<s>", eos_token: "</s>", unk_token: "<unk>", pad_token: "<pad>" };

interface Case {
  title: string;
  template: string;
  variables: Record<string, unknown>;
}

function cases(dir: string): Case[] {
  return TEMPLATES.flatMap((name) =>
    Object.entries(CONVERSATIONS).flatMap(([what, c]) =>
      [false, true].map((generation) => ({
        title: `${name}: ${what}${generation ? ", generation prompt" : ""}`,
        template: publishedTemplate(dir, name),
        variables: {
          ...TOKENS,
          messages: generation ? c.messages.slice(0, -1) : c.messages,
          tools: c.tools ?? null,
          add_generation_prompt: generation,
        },
      })),
    ),
  );
}

const REFERENCE = fileURLToPath(new URL("../../scripts/chat_template_reference.py", import.meta.url));

function jinja2Renders(all: Case[]): Array<{ text?: string; error?: string }> | string {
  const python = ["python3", "/usr/bin/python3"].find((py) => spawnSync(py, ["-c", "import jinja2"], { stdio: "ignore" }).status === 0);
  if (!python) return "no python3 with jinja2 (Debian: apt-get install python3-jinja2)";
  const input = JSON.stringify({ cases: all.map(({ template, variables }) => ({ template, variables })) });
  const run = spawnSync(python, [REFERENCE, "render"], { input, encoding: "utf8", maxBuffer: 64 << 20 });
  if (run.status !== 0) throw new Error(`chat_template_reference.py failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

const found = publishedTemplatesDir();
const all = "dir" in found ? cases(found.dir) : [];
const reference = "dir" in found ? jinja2Renders(all) : found.reason;
if (typeof reference === "string") console.info(`published-templates-jinja.test.ts: skipped: ${reference}`);

describe.skipIf(typeof reference === "string")(
  "published chat templates, rendered by the engine and by jinja2 as transformers sets it up",
  () => {
    it("render the same text, or are refused by both", () => {
      const expected = reference as Array<{ text?: string; error?: string }>;
      const differences: string[] = [];
      all.forEach((c, i) => {
        const want = expected[i] ?? {};
        let got: { text?: string; error?: string };
        try {
          got = { text: compileChatTemplate(c.template).render(c.variables) };
        } catch (error) {
          got = { error: (error as Error).message };
        }
        if (want.text !== undefined && got.text !== want.text)
          differences.push(`${c.title}: jinja2 renders ${JSON.stringify(want.text)}, the engine ${JSON.stringify(got.text ?? got.error)}`);
        if (want.error !== undefined && got.error === undefined)
          differences.push(`${c.title}: jinja2 refuses (${want.error}), the engine renders`);
      });
      expect(differences).toEqual([]);
      // every template renders every conversation somewhere (what they refuse is the templates' own choice: Gemma 2 has
      // no system role nor tool turns)
      expect(expected.filter((r) => r.text !== undefined).length).toBeGreaterThan(all.length * 0.8);
    });

    it("reads an undefined value as empty in string filters and items, as jinja2 does (Hermes' `param_fields.description|trim`)", () => {
      const render = (source: string, variables: Record<string, unknown>) => compileChatTemplate(source).render(variables);
      expect(render("[{{ p.description|trim }}]", { p: {} })).toBe("[]");
      expect(render("[{{ p.description|trim }}]", { p: { description: "  x " } })).toBe("[x]");
      expect(render("[{{ missing|upper }}{{ missing|length }}]", {})).toBe("[0]");
      expect(render('[{{ p.name|replace("a", "b") }}]', { p: {} })).toBe("[]");
      // and no pairs in `items` (Hermes' `tool.parameters.properties|items` for a tool without parameters)
      expect(render("[{% for k, v in p.properties|items %}{{ k }}{% endfor %}]", { p: {} })).toBe("[]");
      expect(render("[{% for k, v in p.properties|items %}{{ k }}={{ v }}{% endfor %}]", { p: { properties: { a: 1 } } })).toBe("[a=1]");
      // an attribute of an undefined value stays an error, as jinja2 raises (a tool without `parameters` in Hermes')
      expect(() => render("[{% for k, v in p.parameters.properties|items %}{{ k }}{% endfor %}]", { p: {} })).toThrow();
      expect(() => render("[{{ p.a.b|trim }}]", { p: {} })).toThrow();
      expect(render("[{{ p.a.b|trim }}]", { p: { a: {} } })).toBe("[]");
    });
  },
);
