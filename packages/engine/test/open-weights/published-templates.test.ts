/**
 * OpenAI chat data through the chat templates model authors published (Llama 3.1–3.3, Hermes 3, Qwen2.5, Qwen3, QwQ,
 * DeepSeek-R1-Distill-Qwen, Mistral Nemo and Small 3.2, Gemma 2, Phi-3.5, Granite 3.3, SmolLM3: llama.cpp's copies, published-templates.ts), each with a real
 * tokenizer of its family from the test packages, given the special tokens the template writes where that package lacks
 * them (Phi-3's `<|user|>`…, Granite's `<|start_of_role|>`…, Mistral's control tokens). For every template:
 * - each reply trains on exactly its text and the model's end-of-turn token, after exactly the tokens a chat completion
 *   sends the model before it writes that reply (the prompt at inference is the training prefix; where the template's
 *   prompt does not go on as the conversation does, as QwQ's `<think>` does, each reply is a sequence of its own);
 * - where the template writes tool calls, what the model is trained to write is parsed back by the server into the same
 *   call (name and arguments), so a tuned model's calls come back as OpenAI `tool_calls` (Granite's template writes
 *   only content: the calls are given to it as Granite writes them, granite-tool-calls.ts);
 * - where it does not (it drops the calls, the tool results or the tools), a job's file is refused at the line, naming why.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatCodec, type TrainingCodec } from "../../src/hf/chat-codec.ts";
import { chatFeatures } from "../../src/hf/chat-features.ts";
import { splitReasoning } from "../../src/hf/model/reasoning.ts";
import { parseHfToolCalls } from "../../src/hf/model/tool-calls.ts";
import { HfTokenizer } from "../../src/hf/tokenizer/index.ts";
import { modelDirWith, type TestTokenizerName, testTokenizerDir } from "../../src/hf/tokenizer/test-tokenizers.ts";
import { checkChatTemplate } from "../../src/jobs/template-checks.ts";
import type { ChatExample } from "../../src/trainer/types.ts";
import { publishedTemplate, publishedTemplatesDir } from "../published-templates.ts";

interface PublishedCase {
  /** llama.cpp's file name. */
  template: string;
  tokenizer: TestTokenizerName;
  /** Special tokens the template writes that the package's tokenizer lacks (added after its last id). */
  added?: string[];
  bos?: string;
  eos: string;
  /** generation_config.json's eos_token_id, by token text or id. */
  generationEos?: readonly (string | number)[];
  /** A reply as the model writes it, ending with its end-of-turn token. */
  reply: (content: string) => string;
  /** Whether the template writes the assistant's tool calls (else a file with them is refused); "unparsed": it does, in a form the server does not read back. */
  writesToolCalls: boolean | "unparsed";
  /**
   * The published template is the model's `tool_use` one, beside this `default` (tokenizer_config.json's list of
   * named templates, as Hermes publishes them): requests with tools take the first, others the second.
   */
  defaultTemplate?: string;
}

const ends = (token: string) => (content: string) => `${content}${token}`;
const MISTRAL_CONTROL = [
  "[INST]",
  "[/INST]",
  "[TOOL_CALLS]",
  "[AVAILABLE_TOOLS]",
  "[/AVAILABLE_TOOLS]",
  "[TOOL_RESULTS]",
  "[/TOOL_RESULTS]",
];
// the package names 128008 (Llama 3.1's <|eom_id|>) as Llama 3 did: a reserved token
const LLAMA31 = {
  tokenizer: "llama3",
  eos: "<|eot_id|>",
  generationEos: [128001, 128008, 128009],
  reply: ends("<|eot_id|>"),
  writesToolCalls: true,
} as const;

const CASES: PublishedCase[] = [
  { template: "meta-llama-Llama-3.1-8B-Instruct", ...LLAMA31 },
  { template: "meta-llama-Llama-3.2-3B-Instruct", ...LLAMA31 },
  { template: "meta-llama-Llama-3.3-70B-Instruct", ...LLAMA31 },
  { template: "Qwen-Qwen2.5-7B-Instruct", tokenizer: "qwen3", eos: "<|im_end|>", reply: ends("<|im_end|>"), writesToolCalls: true },
  {
    template: "Qwen-Qwen3-0.6B",
    tokenizer: "qwen3",
    eos: "<|im_end|>",
    // the last reply as Qwen3 writes it without thinking; earlier ones are in the history without the empty block
    reply: (content) => `<think>\n\n</think>\n\n${content}<|im_end|>`,
    writesToolCalls: true,
  },
  {
    // its generation prompt opens a `<think>` block that a reply without reasoning never has: each reply trains after it
    template: "Qwen-QwQ-32B",
    tokenizer: "qwen3",
    eos: "<|im_end|>",
    reply: ends("<|im_end|>"),
    writesToolCalls: true,
  },
  {
    template: "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B",
    tokenizer: "qwen3",
    added: ["<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "<｜User｜>", "<｜Assistant｜>"],
    bos: "<｜begin▁of▁sentence｜>",
    eos: "<｜end▁of▁sentence｜>",
    reply: ends("<｜end▁of▁sentence｜>"),
    // DeepSeek's `<｜tool▁calls▁begin｜>` form, which the server does not read back
    writesToolCalls: "unparsed",
  },
  {
    template: "mistralai-Mistral-Nemo-Instruct-2407",
    tokenizer: "mistral",
    added: MISTRAL_CONTROL,
    bos: "<s>",
    eos: "</s>",
    reply: ends("</s>"),
    writesToolCalls: true,
  },
  {
    template: "Mistral-Small-3.2-24B-Instruct-2506",
    tokenizer: "mistral",
    added: [...MISTRAL_CONTROL, "[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]", "[ARGS]", "[CALL_ID]"],
    bos: "<s>",
    eos: "</s>",
    reply: ends("</s>"),
    writesToolCalls: true,
  },
  {
    template: "google-gemma-2-2b-it",
    tokenizer: "gemma3",
    bos: "<bos>",
    eos: "<end_of_turn>",
    generationEos: ["<eos>", "<end_of_turn>"],
    reply: ends("<end_of_turn>"),
    writesToolCalls: false,
  },
  {
    template: "microsoft-Phi-3.5-mini-instruct",
    tokenizer: "mistral",
    added: ["<|endoftext|>", "<|assistant|>", "<|system|>", "<|end|>", "<|user|>"],
    bos: "<s>",
    eos: "<|endoftext|>",
    generationEos: ["<|end|>", "<|assistant|>", "<|endoftext|>"],
    reply: ends("<|end|>"),
    writesToolCalls: false,
  },
  {
    template: "ibm-granite-granite-3.3-2B-Instruct",
    tokenizer: "llama3",
    added: ["<|start_of_role|>", "<|end_of_role|>", "<|end_of_text|>", "<|tool_call|>", "<|start_of_cite|>", "<|end_of_cite|>"],
    bos: "<|end_of_text|>",
    eos: "<|end_of_text|>",
    reply: ends("<|end_of_text|>"),
    // as `<|tool_call|>[…]` in the content (granite-tool-calls.ts)
    writesToolCalls: true,
  },
  {
    template: "NousResearch-Hermes-3-Llama-3.1-8B-tool_use",
    tokenizer: "llama3",
    added: ["<|im_start|>", "<|im_end|>", "<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>"],
    bos: "<|begin_of_text|>",
    eos: "<|im_end|>",
    reply: ends("<|im_end|>"),
    writesToolCalls: true,
    // Hermes 3's `default`: ChatML
    defaultTemplate:
      "{{bos_token}}{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
  },
  {
    template: "HuggingFaceTB-SmolLM3-3B",
    tokenizer: "llama3",
    added: ["<|im_start|>", "<|im_end|>"],
    eos: "<|im_end|>",
    // thinking by default: the template writes no empty block before a reply
    reply: ends("<|im_end|>"),
    writesToolCalls: false,
  },
];

const TOOLS = [
  {
    type: "function",
    function: {
      name: "route_ticket",
      description: "Send a support ticket to a team",
      parameters: { type: "object", properties: { team: { type: "string", enum: ["billing", "technical"] } }, required: ["team"] },
    },
  },
];
const CALL_ID = "call7Kq2x";
const ROUTE = '{"team": "billing"}';
const SIMPLE: ChatExample["messages"] = [
  { role: "system", content: "Route support tickets. Reply with JSON." },
  { role: "user", content: "My card was charged twice this month." },
  { role: "assistant", content: ROUTE },
];
const MULTI: ChatExample["messages"] = [
  { role: "user", content: "Hi there" },
  { role: "assistant", content: "Hello! How can I help?" },
  { role: "user", content: "The app crashes when I upload a photo." },
  { role: "assistant", content: '{"team": "technical"}' },
];
const WITH_TOOLS: ChatExample["messages"] = [
  { role: "system", content: "Route support tickets with the tool." },
  { role: "user", content: "I was billed after I cancelled." },
  {
    role: "assistant",
    content: null,
    tool_calls: [{ id: CALL_ID, type: "function", function: { name: "route_ticket", arguments: ROUTE } }],
  },
  { role: "tool", tool_call_id: CALL_ID, content: "routed to billing" },
  { role: "assistant", content: "I sent your ticket to billing." },
];

const found = publishedTemplatesDir();
if ("reason" in found) console.info(`published-templates.test.ts: skipped: ${found.reason}`);

interface Loaded {
  dir: string;
  tokenizer: HfTokenizer;
  codec: TrainingCodec;
  dispose: () => void;
}

/** A model directory: the package's tokenizer with the case's special tokens, eos/bos and the published template. */
async function load(c: PublishedCase, templatesDir: string): Promise<Loaded> {
  const source = testTokenizerDir(c.tokenizer);
  const tokenizerJson = JSON.parse(readFileSync(`${source}/tokenizer.json`, "utf8"));
  const config = JSON.parse(readFileSync(`${source}/tokenizer_config.json`, "utf8"));
  const ids = new Map<string, number>();
  let next = 0;
  for (const id of Object.values(tokenizerJson.model.vocab as Record<string, number>)) next = Math.max(next, id);
  for (const t of tokenizerJson.added_tokens as Array<{ id: number }>) next = Math.max(next, t.id);
  for (const t of tokenizerJson.added_tokens as Array<{ id: number; content: string }>) ids.set(t.content, t.id);
  for (const content of c.added ?? []) {
    if (ids.has(content)) continue;
    next += 1;
    ids.set(content, next);
    tokenizerJson.added_tokens.push({
      id: next,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    });
  }
  const published = publishedTemplate(templatesDir, c.template);
  config.chat_template = c.defaultTemplate
    ? [
        { name: "default", template: c.defaultTemplate },
        { name: "tool_use", template: published },
      ]
    : published;
  config.eos_token = c.eos;
  if (c.bos === undefined) delete config.bos_token;
  else config.bos_token = c.bos;
  const files: Record<string, string> = {
    "tokenizer.json": JSON.stringify(tokenizerJson),
    "tokenizer_config.json": JSON.stringify(config),
  };
  if (c.generationEos) {
    const eos = c.generationEos.map((t) => {
      if (typeof t === "number") return t;
      const id = ids.get(t) ?? (tokenizerJson.model.vocab as Record<string, number>)[t];
      if (id === undefined) throw new Error(`${c.template}: ${t} is not a token of ${c.tokenizer}`);
      return id;
    });
    files["generation_config.json"] = JSON.stringify({ eos_token_id: eos });
  }
  const { dir, dispose } = modelDirWith(c.tokenizer, files);
  const tokenizer = await HfTokenizer.fromDirectory(dir);
  return { dir, tokenizer, codec: chatCodec(tokenizer), dispose };
}

const text = (tokenizer: HfTokenizer, ids: readonly number[]) => tokenizer.decode([...ids], { skipSpecialTokens: false });

/** The trained replies of an encoded conversation, each with the tokens before it. */
function replies(encoded: ReturnType<TrainingCodec["encodeTraining"]>): Array<{ before: number[]; reply: number[] }> {
  return encoded.flatMap((e) => {
    const out: Array<{ before: number[]; reply: number[] }> = [];
    for (let t = 0; t < e.ids.length; t++) {
      if (e.weights[t] !== 1 || e.weights[t - 1] === 1) continue;
      let end = t;
      while (e.weights[end] === 1) end++;
      out.push({ before: e.ids.slice(0, t), reply: e.ids.slice(t, end) });
    }
    return out;
  });
}

/** What the server reads back from the reply's tokens (special tokens are not text, but tool-call markers are). */
function served(codec: TrainingCodec, reply: readonly number[]): string {
  const bytes = reply.filter((id) => !codec.eosIds.has(id)).flatMap((id) => [...codec.tokenBytes(id)]);
  return new TextDecoder().decode(Uint8Array.from(bytes));
}

describe.skipIf("reason" in found).each(CASES)("the published chat template $template", (c) => {
  let m: Loaded;
  beforeAll(async () => {
    m = await load(c, (found as { dir: string }).dir);
  });
  afterAll(() => m?.dispose());

  it("trains each reply on exactly its text and end-of-turn token, after exactly the prompt a chat completion sends", () => {
    for (const messages of [SIMPLE, MULTI]) {
      const encoded = m.codec.encodeTraining(messages, undefined);
      const found = replies(encoded);
      const assistants = messages.flatMap((msg, i) => (msg.role === "assistant" ? [i] : []));
      expect(found).toHaveLength(assistants.length);
      found.forEach(({ before, reply }, n) => {
        const k = assistants[n] as number;
        const content = messages[k]?.content as string;
        const last = n === found.length - 1;
        // Qwen3 writes an earlier reply without its (empty) reasoning block
        const expected = last || !c.template.startsWith("Qwen-Qwen3") ? c.reply(content) : `${content}<|im_end|>`;
        expect(text(m.tokenizer, reply)).toBe(expected);
        if (last || encoded.length > 1) expect(before).toEqual(m.codec.encodeChat(messages.slice(0, k), undefined));
      });
    }
  });

  it("serves a trained reply's text as the answer (a template that writes reasoning blocks has it split off)", async () => {
    for (const messages of [SIMPLE, MULTI]) {
      const last = replies(m.codec.encodeTraining(messages, undefined)).at(-1) as { before: number[]; reply: number[] };
      const written = served(m.codec, last.reply);
      const answer = m.codec.opensReasoning ? splitReasoning(written, m.codec.opensReasoning(last.before), true).content : written;
      expect(answer.trim()).toBe(String(messages.at(-1)?.content).trim());
    }
    // what `models show` says of it agrees
    const features = await chatFeatures(m.dir);
    expect(features.toolCalling).toBe(c.writesToolCalls === true);
    expect(features.reasoning).toBe(m.codec.opensReasoning !== undefined);
    // the families that write reasoning blocks are the ones whose output is split (Granite 3.3 with thinking=True)
    expect(m.codec.opensReasoning !== undefined).toBe(/Qwen3|QwQ|DeepSeek-R1|SmolLM3|granite-3\.3/.test(c.template));
  });

  if (c.writesToolCalls === true)
    it("trains a tool call that the server parses back into the same call, and takes such lines", async () => {
      const found = replies(m.codec.encodeTraining(WITH_TOOLS, TOOLS));
      expect(found).toHaveLength(2);
      const [call, answer] = found as [{ before: number[]; reply: number[] }, { before: number[]; reply: number[] }];
      const parsed = parseHfToolCalls(served(m.codec, call.reply), TOOLS);
      expect(parsed.content).toBe("");
      expect(parsed.toolCalls.map((t) => ({ name: t.function.name, arguments: JSON.parse(t.function.arguments) }))).toEqual([
        { name: "route_ticket", arguments: { team: "billing" } },
      ]);
      expect(call.before).toEqual(m.codec.encodeChat(WITH_TOOLS.slice(0, 2), TOOLS));
      expect(text(m.tokenizer, answer.reply)).toBe(c.reply("I sent your ticket to billing."));
      expect(answer.before).toEqual(m.codec.encodeChat(WITH_TOOLS.slice(0, 4), TOOLS));
      const examples = [{ messages: SIMPLE }, { messages: WITH_TOOLS, tools: TOOLS }, { messages: SIMPLE, tools: TOOLS }];
      expect(
        await checkChatTemplate(m.dir, c.template, [{ name: "t.jsonl", param: "training_file", preferences: [], examples }]),
      ).toBeUndefined();
    });

  if (!c.writesToolCalls)
    it("refuses a training file with tool calls at its line, saying why", async () => {
      const file = { name: "train.jsonl", param: "training_file" as const, preferences: [] };
      const examples = [{ messages: SIMPLE }, { messages: WITH_TOOLS, tools: TOOLS }];
      const refused = await checkChatTemplate(m.dir, c.template, [{ ...file, examples }]);
      expect(refused?.code).toBe("invalid_training_file");
      expect(refused?.message).toMatch(/^The training file train\.jsonl line 2: the chat template of /);
      expect(refused?.message).toMatch(/does not write the assistant's tool_calls|refuses its messages/);
    });

  if (!c.writesToolCalls)
    it("refuses a line whose tools the template never writes into the prompt", async () => {
      const examples = [{ messages: SIMPLE }, { messages: SIMPLE, tools: TOOLS }];
      const refused = await checkChatTemplate(m.dir, c.template, [{ name: "t.jsonl", param: "training_file", preferences: [], examples }]);
      expect(refused?.message).toMatch(/^The training file t\.jsonl line 2: the chat template of .* does not write the tools/);
    });
});
