/**
 * The engine's view of a model's tokenizer and chat template (hf/tokenizer): prompts for
 * generation, training sequences with their assistant-token weights, token bytes for streaming and
 * logprobs. Messages arrive in OpenAI's chat format and are checked by the tokenizer's schemas.
 */
import { TunelabError } from "@tunelab/base";
import type { ChatExample } from "../trainer/types.ts";
import type { Encoded } from "./lora/batches.ts";
import type { ChatCodec } from "./model/generate.ts";
import { opensReasoning, THINK_CLOSE, THINK_OPEN } from "./model/reasoning.ts";
import { TOOL_CALL_TOKENS } from "./model/tool-calls.ts";
import { assistantMask, assistantMasks } from "./tokenizer/assistant-mask.ts";
import { ChatInputMessage, ChatInputTool, HfTokenizer, renderChat } from "./tokenizer/index.ts";
import { foldSystemIntoFirstUser } from "./tokenizer/system-fold.ts";
import { toTemplateMessages } from "./tokenizer/template-messages.ts";
import { unwrittenTools } from "./tokenizer/unwritten-tools.ts";
import { unembeddedTokenProblem } from "./vocab-fit.ts";

export interface TrainingCodec extends ChatCodec {
  /** Plain text as the tokenizer encodes it by default (with the special tokens it adds, e.g. a BOS), no chat template. */
  encodeText(text: string): number[];
  /**
   * The conversation as the template renders it, weight 1 on the assistant tokens that carry loss: one sequence, or
   * one per reply when the template writes earlier messages differently once a reply follows (assistantMasks).
   */
  encodeTraining(messages: ChatExample["messages"], tools: unknown[] | undefined): Encoded[];
  /** The conversation with weight 1 only on the last assistant message's tokens (a DPO response). */
  encodeResponse(messages: ChatExample["messages"], tools: unknown[] | undefined): Encoded;
  /** Whether the template, having no system role, gets the conversation's system message in its first user message (tokenizer/system-fold.ts). */
  foldsSystem(messages: ChatExample["messages"], tools: unknown[] | undefined): boolean;
}

const utf8 = new TextDecoder();
const EMPTY = new Uint8Array(0);

function inputs(messages: ChatExample["messages"], tools: unknown[] | undefined) {
  return {
    messages: messages.map((m) => ChatInputMessage.parse(m)),
    tools: tools && tools.length > 0 ? tools.map((t) => ChatInputTool.parse(t)) : null,
  };
}

/**
 * Whether the tokenizer's decoder drops the space a decoded text begins with, asked of the tokenizer itself
 * (@huggingface/tokenizers decodes as Hugging Face does): a token whose bytes begin with a space, decoded alone.
 */
export function decoderStripsLeadingSpace(tokenizer: HfTokenizer): boolean {
  for (const id of tokenizer.encode("a a", { addSpecialTokens: false })) {
    const bytes = tokenizer.tokenBytes(id);
    if (bytes.length > 1 && bytes[0] === 0x20) return !tokenizer.decode([id]).startsWith(" ");
  }
  return false;
}

/**
 * A request whose tools or tool calls the model's chat template would leave out of the prompt is refused, as OpenAI
 * refuses `tools` for a model without function calling: the model could not see them (unwritten-tools.ts). The error
 * names the request's field (`tools`, or `messages` for calls in the conversation).
 */
function refuseUnwrittenTools(
  tokenizer: HfTokenizer,
  messages: readonly ChatInputMessage[],
  tools: ChatInputTool[] | null,
  text: string,
): void {
  const template = tokenizer.chatTemplate;
  if (!template || (tools === null && !messages.some((m) => (m.tool_calls?.length ?? 0) > 0 || m.function_call))) return;
  const unwritten = unwrittenTools(template, toTemplateMessages(messages), tools, text, true);
  if (unwritten === "tools")
    throw new TunelabError(
      "invalid_argument",
      "This model's chat template does not write tools (it renders the request the same without them), so the model can neither see nor call them; send the request without `tools`.",
      { details: { param: "tools" } },
    );
  if (unwritten === "tool_calls")
    throw new TunelabError(
      "invalid_argument",
      "This model's chat template does not write an assistant message's `tool_calls` (it renders the conversation the same without them), so the model would not see the calls it made.",
      { details: { param: "messages" } },
    );
}

/**
 * `rows`: the model's embedding rows; a text that encodes to a token past them (a special token the tokenizer has and the
 * model has not, like Gemma 3's `<image_soft_token>`) is refused, naming it (vocab-fit.ts).
 */
export function chatCodec(tokenizer: HfTokenizer, rows = Number.POSITIVE_INFINITY): TrainingCodec {
  const fit = (ids: number[]): number[] => {
    const problem = unembeddedTokenProblem(ids, rows, (id) => tokenizer.idToToken(id));
    if (problem) throw new TunelabError("invalid_argument", problem);
    return ids;
  };
  const eos = new Set(tokenizer.eosIds);
  // special tokens are not content, except those that write tool calls and reasoning blocks: the parsers read their
  // text (tool-calls.ts, reasoning.ts)
  const toolCallTokens = new Set(
    [...TOOL_CALL_TOKENS, THINK_OPEN, THINK_CLOSE].map((t) => tokenizer.tokenToId(t)).filter((id) => id !== undefined),
  );
  const reasons = tokenizer.chatTemplate?.writes(THINK_CLOSE) ?? false;
  let maxTokenBytes = 16;
  for (let id = 0; id < tokenizer.vocabSize; id++) maxTokenBytes = Math.max(maxTokenBytes, tokenizer.tokenBytes(id).length);
  return {
    vocabSize: tokenizer.vocabSize,
    maxTokenBytes,
    eosIds: eos,
    stripsLeadingSpace: decoderStripsLeadingSpace(tokenizer),
    // a family that writes reasoning blocks: whether a prompt's last tokens leave one open for the model to write in
    ...(reasons
      ? { opensReasoning: (ids: readonly number[]) => opensReasoning(tokenizer.decode([...ids.slice(-64)], { skipSpecialTokens: false })) }
      : {}),
    encodeChat: (messages, tools, variables) => {
      const i = inputs(messages, tools);
      const text = renderChat(tokenizer, i.messages, { tools: i.tools, addGenerationPrompt: true, ...(variables ? { variables } : {}) });
      refuseUnwrittenTools(tokenizer, i.messages, i.tools, text);
      return fit(tokenizer.encode(text, { addSpecialTokens: false }));
    },
    encodeText: (text) => fit(tokenizer.encode(text)),
    tokenBytes: (id) => (tokenizer.isSpecial(id) && !toolCallTokens.has(id) ? EMPTY : tokenizer.tokenBytes(id)),
    tokenText: (id) => (tokenizer.isSpecial(id) ? tokenizer.idToToken(id) : utf8.decode(tokenizer.tokenBytes(id))),
    encodeTraining: (messages, tools) => {
      const i = inputs(messages, tools);
      return assistantMasks(tokenizer, i.messages, i.tools).map((mask) => ({
        ids: fit(mask.ids),
        weights: mask.weights,
        ...(mask.oneTurn ? { oneTurn: true as const } : {}),
      }));
    },
    encodeResponse: (messages, tools) => {
      const i = inputs(messages, tools);
      const mask = assistantMask(tokenizer, i.messages, i.tools);
      fit(mask.ids);
      const last = mask.spans[mask.spans.length - 1];
      const weights = new Array<number>(mask.ids.length).fill(0);
      if (last) for (let t = last.start; t < last.end; t++) weights[t] = 1;
      return { ids: mask.ids, weights };
    },
    foldsSystem: (messages, tools) => {
      const i = inputs(messages, tools);
      return (
        (tokenizer.chatTemplate?.foldsSystem(i.tools !== null) ?? false) && foldSystemIntoFirstUser(toTemplateMessages(i.messages)) !== null
      );
    },
  };
}

export async function createChatCodec(dir: string, rows?: number): Promise<TrainingCodec> {
  return chatCodec(await HfTokenizer.fromDirectory(dir), rows);
}
