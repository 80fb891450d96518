/**
 * Tool calls written by open-weight chat models, turned into OpenAI `tool_calls`. Five conventions
 * cover the supported families: Hermes/Qwen (`<tool_call>{"name": …, "arguments": {…}}</tool_call>`,
 * one block per call), Llama 3.x (a bare JSON object `{"name": …, "parameters": {…}}`, optionally
 * after `<|python_tag|>`) and Mistral (`[TOOL_CALLS]` then a JSON list of `{"name", "arguments", "id"}`, as
 * Mistral 7B v0.3 and Nemo write it, or `[TOOL_CALLS]name[ARGS]{…}` per call, optionally with `[CALL_ID]id`, as
 * later Mistral models write it; text before the first `[TOOL_CALLS]` stays content), Granite 3 (`<|tool_call|>`
 * then a JSON list of `{"arguments", "name"}`; text before it stays content) and Phi-4-mini (the same marker and list,
 * closed by `<|/tool_call|>`). Text that is not a well-formed call stays content.
 */
import { createHash } from "node:crypto";
import type { ToolCall } from "../../trainer/types.ts";

const BLOCK = /<tool_call>\s*([\s\S]*?)\s*<\/tool_call>/g;
const MISTRAL = "[TOOL_CALLS]";
/** Granite 3's and Phi-4-mini's call marker, and Phi-4-mini's end of a call list. */
const TOOL_CALL = "<|tool_call|>";
const TOOL_CALL_END = "<|/tool_call|>";
/** One call of the later Mistral form: a name, an optional `[CALL_ID]…`, then `[ARGS]` and the arguments. */
const MISTRAL_NAMED = /^\s*([^[\]\s]+)\s*(?:\[CALL_ID\]\s*[A-Za-z0-9]+\s*)?\[ARGS\]([\s\S]*)$/;

/** Mistral's calls after its `[TOOL_CALLS]` token(s), or undefined when any part is not a well-formed call. */
function mistralCalls(text: string, at: number, names: ReadonlySet<string>): ToolCall[] | undefined {
  const rest = text.slice(at + MISTRAL.length).trim();
  const calls: ToolCall[] = [];
  if (rest.startsWith("[")) {
    let list: unknown;
    try {
      list = JSON.parse(rest);
    } catch {
      return undefined;
    }
    if (!Array.isArray(list) || list.length === 0) return undefined;
    for (const item of list) {
      const call = asCall(JSON.stringify(item), calls.length, names);
      if (!call) return undefined;
      calls.push(call);
    }
    return calls;
  }
  for (const part of rest.split(MISTRAL)) {
    const named = MISTRAL_NAMED.exec(part);
    if (!named) return undefined;
    const args = (named[2] ?? "").trim();
    let parsed: unknown;
    try {
      parsed = JSON.parse(args);
    } catch {
      return undefined;
    }
    const call = asCall(JSON.stringify({ name: named[1], arguments: parsed }), calls.length, names);
    if (!call) return undefined;
    calls.push(call);
  }
  return calls.length > 0 ? calls : undefined;
}

/**
 * Granite's and Phi-4-mini's calls: after each `<|tool_call|>`, a JSON list of `{"name", "arguments"}` (or one such
 * object, as Phi-4-mini sometimes writes it), closed by `<|/tool_call|>` in Phi-4-mini's form; undefined when any
 * part is not well formed.
 */
function markedCalls(text: string, at: number, names: ReadonlySet<string>): ToolCall[] | undefined {
  const calls: ToolCall[] = [];
  for (const block of text.slice(at + TOOL_CALL.length).split(TOOL_CALL)) {
    let body = block.trim();
    if (body.endsWith(TOOL_CALL_END)) body = body.slice(0, -TOOL_CALL_END.length).trim();
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return undefined;
    }
    const list = Array.isArray(parsed) ? parsed : [parsed];
    if (list.length === 0) return undefined;
    for (const item of list) {
      const call = asCall(JSON.stringify(item), calls.length, names);
      if (!call) return undefined;
      calls.push(call);
    }
  }
  return calls;
}

function asCall(json: string, index: number, toolNames: ReadonlySet<string>): ToolCall | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { name, arguments: args, parameters } = value as Record<string, unknown>;
  if (typeof name !== "string" || (toolNames.size > 0 && !toolNames.has(name))) return undefined;
  const body = args ?? parameters ?? {};
  const argumentsText = typeof body === "string" ? body : JSON.stringify(body);
  const id = `call_${createHash("sha256").update(`${index}:${name}:${argumentsText}`).digest("hex").slice(0, 24)}`;
  return { id, type: "function", function: { name, arguments: argumentsText } };
}

/** The text that starts a tool call in each convention (a bare JSON call starts with `{`, see streamableLength). */
const CALL_MARKERS = ["<tool_call>", "<|python_tag|>", MISTRAL, TOOL_CALL];

/**
 * The tokens that write tool calls, as the parser reads them. Tokenizers often mark them special (Mistral v0.3's
 * `[TOOL_CALLS]`, Llama 3.1's `<|python_tag|>`): their text must still reach the parser (chat-codec.ts).
 */
export const TOOL_CALL_TOKENS = [...CALL_MARKERS, "</tool_call>", TOOL_CALL_END, "[ARGS]", "[CALL_ID]"] as const;

/**
 * How many leading characters of the text a model has written so far, in a request with tools, can be streamed as
 * content: none once a tool call may have started (its text is not content), and never a trailing piece that may be
 * the start of a call marker. A tokenizer that does not have the marker as one token (a Mistral template on a
 * byte-level BPE without `[TOOL_CALLS]` in its vocabulary) writes it piece by piece: `[`, `[TOOL`, … are held back
 * until the text shows whether the marker follows. Leading whitespace alone may still begin a bare JSON call.
 */
export function streamableLength(text: string): number {
  if (CALL_MARKERS.some((marker) => text.includes(marker)) || /^\s*(\{|$)/.test(text)) return 0;
  let partial = 0;
  for (const marker of CALL_MARKERS) {
    for (let k = Math.min(marker.length - 1, text.length); k > partial; k--) {
      if (text.endsWith(marker.slice(0, k))) {
        partial = k;
        break;
      }
    }
  }
  return text.length - partial;
}

export function parseHfToolCalls(text: string, tools: unknown[] | undefined): { content: string; toolCalls: ToolCall[] } {
  if (!tools || tools.length === 0) return { content: text, toolCalls: [] };
  const names = new Set<string>();
  for (const t of tools) {
    const name = (t as { function?: { name?: unknown } }).function?.name;
    if (typeof name === "string") names.add(name);
  }
  const mistralAt = text.indexOf(MISTRAL);
  if (mistralAt >= 0) {
    const calls = mistralCalls(text, mistralAt, names);
    if (calls) return { content: text.slice(0, mistralAt).trim(), toolCalls: calls };
    return { content: text, toolCalls: [] };
  }
  const markedAt = text.indexOf(TOOL_CALL);
  if (markedAt >= 0) {
    const calls = markedCalls(text, markedAt, names);
    if (calls) return { content: text.slice(0, markedAt).trim(), toolCalls: calls };
    return { content: text, toolCalls: [] };
  }
  const calls: ToolCall[] = [];
  if (text.includes("<tool_call>")) {
    const content = text.replace(BLOCK, (whole, json: string) => {
      const call = asCall(json, calls.length, names);
      if (!call) return whole;
      calls.push(call);
      return "";
    });
    return { content: content.trim(), toolCalls: calls };
  }
  const bare = text.replace(/^<\|python_tag\|>/, "").trim();
  if (bare.startsWith("{")) {
    const call = asCall(bare, 0, names);
    if (call) return { content: "", toolCalls: [call] };
  }
  return { content: text, toolCalls: [] };
}
