/**
 * Mistral 7B Instruct v0.3's chat template (tokenizer_config.json `chat_template` of mistralai/Mistral-7B-Instruct-v0.3,
 * Mistral's "v3" tool format), and a copy of the `mistral` fixture that carries it instead of the fixtures' ChatML.
 *
 * The template writes the tools before the last user message (`[AVAILABLE_TOOLS] [...][/AVAILABLE_TOOLS]`), the
 * system message only inside the last user message, an assistant's calls as `[TOOL_CALLS] [{"name": …, "arguments":
 * {…}, "id": "…"}]` then the eos token, and a tool result as `[TOOL_RESULTS] {"content": …, "call_id": "…"}[/TOOL_RESULTS]`;
 * tool-call ids must be 9 characters. It has no generation prompt: a prompt ends with `[/INST]`.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FIXTURES } from "./reference.ts";

export const MISTRAL_V3_TOOLS_TEMPLATE = `{%- if messages[0]["role"] == "system" %}
    {%- set system_message = messages[0]["content"] %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set loop_messages = messages %}
{%- endif %}
{%- if not tools is defined %}
    {%- set tools = none %}
{%- endif %}
{%- set user_messages = loop_messages | selectattr("role", "equalto", "user") | list %}

{#- This block checks for alternating user/assistant messages, skipping tool calling messages #}
{%- set ns = namespace() %}
{%- set ns.index = 0 %}
{%- for message in loop_messages %}
    {%- if not (message.role == "tool" or message.role == "tool_results" or (message.tool_calls is defined and message.tool_calls is not none)) %}
        {%- if (message["role"] == "user") != (ns.index % 2 == 0) %}
            {{- raise_exception("After the optional system message, conversation roles must alternate user/assistant/user/assistant/...") }}
        {%- endif %}
        {%- set ns.index = ns.index + 1 %}
    {%- endif %}
{%- endfor %}

{{- bos_token }}
{%- for message in loop_messages %}
    {%- if message["role"] == "user" %}
        {%- if tools is not none and (message == user_messages[-1]) %}
            {{- "[AVAILABLE_TOOLS] [" }}
            {%- for tool in tools %}
                {%- set tool = tool.function %}
                {{- '{"type": "function", "function": {' }}
                {%- for key, val in tool.items() if key != "return" %}
                    {%- if val is string %}
                        {{- '"' + key + '": "' + val + '"' }}
                    {%- else %}
                        {{- '"' + key + '": ' + val|tojson }}
                    {%- endif %}
                    {%- if not loop.last %}
                        {{- ", " }}
                    {%- endif %}
                {%- endfor %}
                {{- "}}" }}
                {%- if not loop.last %}
                    {{- ", " }}
                {%- else %}
                    {{- "]" }}
                {%- endif %}
            {%- endfor %}
            {{- "[/AVAILABLE_TOOLS]" }}
            {%- endif %}
        {%- if loop.last and system_message is defined %}
            {{- "[INST] " + system_message + "\\n\\n" + message["content"] + "[/INST]" }}
        {%- else %}
            {{- "[INST] " + message["content"] + "[/INST]" }}
        {%- endif %}
    {%- elif message.tool_calls is defined and message.tool_calls is not none %}
        {{- "[TOOL_CALLS] [" }}
        {%- for tool_call in message.tool_calls %}
            {%- set out = tool_call.function|tojson %}
            {{- out[:-1] }}
            {%- if not tool_call.id is defined or tool_call.id|length != 9 %}
                {{- raise_exception("Tool call IDs should be alphanumeric strings with length 9!") }}
            {%- endif %}
            {{- ', "id": "' + tool_call.id + '"}' }}
            {%- if not loop.last %}
                {{- ", " }}
            {%- else %}
                {{- "]" + eos_token }}
            {%- endif %}
        {%- endfor %}
    {%- elif message["role"] == "assistant" %}
        {{- " " + message["content"]|trim + eos_token}}
    {%- elif message["role"] == "tool_results" or message["role"] == "tool" %}
        {%- if message.content is defined and message.content.content is defined %}
            {%- set content = message.content.content %}
        {%- else %}
            {%- set content = message.content %}
        {%- endif %}
        {{- '[TOOL_RESULTS] {"content": ' + content|string + ", " }}
        {%- if not message.tool_call_id is defined or message.tool_call_id|length != 9 %}
            {{- raise_exception("Tool call IDs should be alphanumeric strings with length 9!") }}
        {%- endif %}
        {{- '"call_id": "' + message.tool_call_id + '"}[/TOOL_RESULTS]' }}
    {%- else %}
        {{- raise_exception("Only user and assistant roles are supported, with the exception of an initial optional system message!") }}
    {%- endif %}
{%- endfor %}
`;

/** The fixture's added token the special-token variant renames to `[TOOL_CALLS]` (`<tool_call>`, unused by this template). */
const RENAMED_TOKEN = 459;

/**
 * A temp copy of the `mistral` fixture whose tokenizer_config.json has the v0.3 tool template; `dispose` removes it.
 * With `specialToolCalls`, `[TOOL_CALLS]` is one special token, as in Mistral's own tokenizer (the fixture's unused
 * `<tool_call>` token renamed, so the embedding keeps its rows); without it, the control strings are plain text.
 */
export function mistralV3Checkpoint(options: { specialToolCalls?: boolean } = {}): { dir: string; dispose: () => void } {
  return fixtureWithTemplate(MISTRAL_V3_TOOLS_TEMPLATE, options);
}

/**
 * A temp copy of a fixture (`mistral` by default) whose tokenizer_config.json has `template` (and `specialToolCalls` as
 * mistralV3Checkpoint's, the token being `toolCallToken`, `[TOOL_CALLS]` by default). `renames` gives added tokens new
 * texts as special tokens (by id: the fixtures' 456 `<|endoftext|>`, 457 `<|im_start|>`, 458 `<|im_end|>`, 459
 * `<tool_call>`, 460 `</tool_call>`), everywhere the tokenizer files name them; `eosToken` sets tokenizer_config.json's;
 * `config` sets keys of config.json.
 */
export function fixtureWithTemplate(
  template: string,
  options: {
    specialToolCalls?: boolean;
    fixture?: string;
    toolCallToken?: string;
    renames?: Readonly<Record<number, string>>;
    eosToken?: string;
    config?: Readonly<Record<string, unknown>>;
  } = {},
): { dir: string; dispose: () => void } {
  const fixture = options.fixture ?? "mistral";
  const renames: Record<number, string> = { ...options.renames };
  if (options.specialToolCalls) renames[RENAMED_TOKEN] = options.toolCallToken ?? "[TOOL_CALLS]";
  const root = mkdtempSync(join(tmpdir(), `tunelab-${fixture}-template-`));
  const dir = join(root, `${fixture}-template`);
  cpSync(`${FIXTURES}${fixture}`, dir, { recursive: true });
  const readJson = (name: string) => JSON.parse(readFileSync(join(dir, name), "utf8")) as Record<string, unknown>;
  const writeJson = (name: string, value: unknown) => writeFileSync(join(dir, name), `${JSON.stringify(value, null, 2)}\n`);
  const config = readJson("tokenizer_config.json");
  const hasMap = existsSync(join(dir, "special_tokens_map.json"));
  const specialMap = hasMap ? readJson("special_tokens_map.json") : {};
  const tokenizer = readJson("tokenizer.json") as { added_tokens: Array<{ id: number; content: string; special: boolean }> };
  const decoder = config.added_tokens_decoder as Record<string, { content: string; special: boolean }>;
  for (const [id, text] of Object.entries(renames)) {
    const added = tokenizer.added_tokens.find((t) => t.id === Number(id));
    if (!added) throw new Error(`the ${fixture} fixture has no added token ${id}`);
    const old = added.content;
    Object.assign(added, { content: text, special: true });
    decoder[id] = { ...(decoder[id] as { content: string }), content: text, special: true };
    // the files' other mentions of the old text (eos_token, additional_special_tokens) follow it
    for (const file of [config, specialMap]) for (const [key, value] of Object.entries(file)) file[key] = renamed(value, old, text);
  }
  config.chat_template = template;
  if (options.eosToken !== undefined) {
    config.eos_token = options.eosToken;
    specialMap.eos_token = renamed(specialMap.eos_token, tokenText(specialMap.eos_token), options.eosToken);
  }
  if (options.config) writeJson("config.json", { ...readJson("config.json"), ...options.config });
  writeJson("tokenizer.json", tokenizer);
  if (hasMap) writeJson("special_tokens_map.json", specialMap);
  writeJson("tokenizer_config.json", config);
  return { dir, dispose: () => rmSync(root, { recursive: true, force: true }) };
}

/** A token's text in the tokenizer files: a string, or an object with its `content`. */
const tokenText = (value: unknown) => (typeof value === "object" && value !== null ? (value as { content?: unknown }).content : value);

/** A tokenizer file's value with the token text `old` as `text` (itself, a list's items, an object's `content`). */
function renamed(value: unknown, old: unknown, text: string): unknown {
  if (Array.isArray(value)) return value.map((v) => renamed(v, old, text));
  if (tokenText(value) !== old) return value;
  return typeof value === "string" ? text : { ...(value as object), content: text };
}

/**
 * The tools the test trains with: names only, because the fixture has 256 positions, its 200 merges make most
 * characters of JSON a token each, and the template writes every tool whole before the last user message (a
 * `parameters` schema of one property is some 35 tokens).
 */
export const TOOLS = [
  { type: "function", function: { name: "weather" } },
  { type: "function", function: { name: "timer" } },
  { type: "function", function: { name: "light" } },
] as const;

/** One request: the user's words, the call it asks for, what the tool returns and the assistant's answer to that. */
export interface ToolCase {
  user: string;
  name: string;
  args: Record<string, unknown>;
  result: string;
  answer: string;
}

export const CASES: ToolCase[] = [
  { user: "rain in Paris?", name: "weather", args: { city: "Paris" }, result: '"rain"', answer: "Yes, rain." },
  { user: "sun in Oslo?", name: "weather", args: { city: "Oslo" }, result: '"sun"', answer: "Yes, sun." },
  { user: "rain in Rome?", name: "weather", args: { city: "Rome" }, result: '"sun"', answer: "No, sun." },
  { user: "sun in Nice?", name: "weather", args: { city: "Nice" }, result: '"rain"', answer: "No, rain." },
  { user: "timer 5 min", name: "timer", args: { minutes: 5 }, result: '"ok"', answer: "Timer set." },
  { user: "timer 10 min", name: "timer", args: { minutes: 10 }, result: '"ok"', answer: "Timer set." },
  { user: "timer 20 min", name: "timer", args: { minutes: 20 }, result: '"busy"', answer: "A timer runs." },
  { user: "lamp on", name: "light", args: { on: true }, result: '"busy"', answer: "The lamp is busy." },
  { user: "lights off", name: "light", args: { on: false }, result: '"ok"', answer: "Lights off." },
  { user: "lights on", name: "light", args: { on: true }, result: '"ok"', answer: "Lights on." },
];

/** The conversation of a case in OpenAI's format: the call (id `call_0`, arguments as a JSON string), its result, the answer. */
export function caseMessages(c: ToolCase): Array<Record<string, unknown>> {
  return [
    { role: "user", content: c.user },
    {
      role: "assistant",
      content: null,
      tool_calls: [{ id: "call_0", type: "function", function: { name: c.name, arguments: JSON.stringify(c.args) } }],
    },
    { role: "tool", tool_call_id: "call_0", content: c.result },
    { role: "assistant", content: c.answer },
  ];
}

/** The cases as an OpenAI fine-tuning file (chat JSONL with `tools`). */
export function toolCasesJsonl(cases: readonly ToolCase[] = CASES): string {
  return `${cases.map((c) => JSON.stringify({ messages: caseMessages(c), tools: TOOLS })).join("\n")}\n`;
}
