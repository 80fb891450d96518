import { TunelabError } from "@tunelab/base";
import type { ChatInputMessage, ChatInputTool } from "./chat-message.schema.ts";
import type { ChatTemplate } from "./chat-template.ts";
import type { HfTokenizer } from "./hf-tokenizer.ts";
import { type TemplateMessage, toTemplateMessages } from "./template-messages.ts";
import { type TokenOffset, tokenOffsets } from "./token-offsets.ts";

/** The tokens of one assistant message in the training sequence: ids[start, end). */
export interface AssistantSpan {
  /** Index of the message in the conversation. */
  message: number;
  start: number;
  end: number;
  /** 0 when the message has `weight: 0` (its tokens are in the sequence but carry no loss). */
  weight: 0 | 1;
  /**
   * `as-last`: the message is rendered exactly as when the model writes it (the prompt ends in the generation prompt).
   * `in-history`: the template renders it differently once later messages follow (Qwen3 drops the reasoning of
   * earlier turns); the span is the message as the whole conversation renders it, up to its end-of-turn token.
   */
  form: "as-last" | "in-history";
}

export interface AssistantMask {
  /** The whole conversation, rendered by the model's chat template and encoded without added special tokens. */
  ids: number[];
  /** One per id: 1 where the token belongs to an assistant message that carries loss, else 0. */
  weights: number[];
  spans: AssistantSpan[];
  /**
   * The template writes earlier messages differently once an assistant message follows (Mistral v0.3's puts the system
   * message only into a final user message): the sequence is the prompt the model sees before one assistant message,
   * then that message (`turnMask`); assistant messages before it are in the prompt, without loss.
   */
  oneTurn?: true;
}

/** The template's rendering of the messages before an assistant message changes once the message follows. */
class HistoryRewritten extends TunelabError {}

export interface AssistantMaskOptions {
  /** Extra template variables (Qwen3's `enable_thinking`). */
  variables?: Readonly<Record<string, unknown>>;
}

/**
 * Finds the tokens of every assistant message from the model's own chat template, for any template (no list of role
 * markers). The training sequence is the whole conversation rendered once: `full = render(messages)`.
 *
 * For the assistant message k:
 * 1. `before = render(messages[:k])` must be a prefix of `full` (the template writes earlier messages the same
 *    whatever follows), but for an end-of-sequence token the template writes only at the end of a rendering (Phi-3's
 *    `eos_token` after the last message when there is no generation prompt): that trailer is left out of `before`
 *    and `written` (below), and out of the last message, which ends where it starts. Otherwise (Mistral v0.3's template writes the system message only into a final user message)
 *    each assistant message trains in a sequence of its own, after its prompt at inference (assistantMasks, turnMask);
 *    assistantMask itself then gives the last one's.
 * 2. `prompt = render(messages[:k], add_generation_prompt)` is what the model sees before writing message k, and
 *    `written = render(messages[:k+1])` is that prompt plus the message as the model writes it. Both render the same
 *    prefix, so a template that renders the last assistant turn specially is compared with itself. The message
 *    starts where `prompt` and `full` part (normally at the end of `prompt`).
 * 3. If `full` starts with `written`, the message ends where `written` ends: its content, tool calls and whatever
 *    the template writes after it, cut after the last end-of-sequence token (Qwen's `<|im_end|>` is kept, the `\n`
 *    after it is not: the model stops at `<|im_end|>` and never writes that newline).
 *    Otherwise the template renders message k differently once later messages follow (Qwen3 strips `<think>`
 *    blocks from turns before the last user message): the message is taken as `full` renders it, from its start
 *    through its first end-of-sequence token, which must come before the next assistant message starts.
 * 4. Character positions become token positions by tokenizing `prompt` and `written`: when their tokens are a prefix
 *    of the tokens of `full` the count is the position. When tokenization differs at the boundary (text that merges
 *    across it, like a reply that starts with "\n" after a prompt ending in "\n"), the position is found from each
 *    token's character offsets (tokenOffsets), and a token straddling the boundary belongs to the message.
 * Messages with `weight: 0` keep their tokens in the sequence with weight 0; so do all non-assistant messages.
 */
export function assistantMask(
  tokenizer: HfTokenizer,
  messages: readonly ChatInputMessage[],
  tools?: readonly ChatInputTool[] | null,
  options: AssistantMaskOptions = {},
): AssistantMask {
  const masks = assistantMasks(tokenizer, messages, tools, options, "last");
  return masks[masks.length - 1] as AssistantMask;
}

/**
 * The training sequences of a conversation: the whole conversation in one (assistantMask's rule), or, when the template
 * writes earlier messages differently once an assistant message follows, one sequence per assistant message that
 * carries loss (the last one when none does), each the message after the prompt the model sees when writing it
 * (`turnMask`): every reply trains on what inference shows the model, as mistral-finetune trains Mistral's models.
 * `turns: "last"` makes only the last reply's sequence in that case.
 */
export function assistantMasks(
  tokenizer: HfTokenizer,
  messages: readonly ChatInputMessage[],
  tools?: readonly ChatInputTool[] | null,
  options: AssistantMaskOptions = {},
  turns: "every" | "last" = "every",
): AssistantMask[] {
  const template = tokenizer.chatTemplate;
  if (!template)
    throw new TunelabError("validation_failed", `${tokenizer.source} has no chat template, so assistant turns cannot be found`);
  const converted = toTemplateMessages(messages);
  const render = (count: number, addGenerationPrompt: boolean) =>
    renderPrefix(template, converted, count, { tools, addGenerationPrompt, variables: options.variables });
  try {
    return [wholeConversationMask(tokenizer, messages, render)];
  } catch (error) {
    if (!(error instanceof HistoryRewritten)) throw error;
    const assistants = messages.flatMap((m, i) => (m.role === "assistant" ? [i] : []));
    const trained = assistants.filter((i) => messages[i]?.weight !== 0);
    const chosen = turns === "last" || trained.length === 0 ? assistants.slice(-1) : trained;
    const renderList = (list: readonly TemplateMessage[], count: number, addGenerationPrompt: boolean) =>
      renderPrefix(template, list, count, { tools, addGenerationPrompt, variables: options.variables });
    return chosen.map((k) => turnMask(tokenizer, messages, converted, renderList, error, k));
  }
}

type Render = (count: number, addGenerationPrompt: boolean) => string;

function wholeConversationMask(tokenizer: HfTokenizer, messages: readonly ChatInputMessage[], render: Render): AssistantMask {
  const full = render(messages.length, false);
  const ids = tokenizer.encode(full, { addSpecialTokens: false });
  const weights = new Array<number>(ids.length).fill(0);
  let offsets: TokenOffset[] | undefined;
  const tokenAt = (char: number, edge: "start" | "end") => {
    offsets ??= tokenOffsets(tokenizer, ids, full);
    return edge === "start" ? firstEndingAfter(offsets, char) : firstStartingAt(offsets, char);
  };
  const position = (text: string, edge: "start" | "end") => {
    const prefixIds = tokenizer.encode(text, { addSpecialTokens: false });
    return isPrefix(prefixIds, ids) ? prefixIds.length : tokenAt(text.length, edge);
  };

  const assistants = messages.flatMap((m, i) => (m.role === "assistant" ? [i] : []));
  // Phi-3's template writes eos_token after the last message when there is no generation prompt: a conversation cut
  // after message k ends with it where the whole one goes on. That trailer is the end of a rendering, not of a message.
  let trailer = "";
  const eosTexts = [...new Set(tokenizer.eosIds.map((id) => tokenizer.idToToken(id)))].filter((t) => t.length > 0);
  // learnt from a conversation cut before an assistant message (its last message is not one), then left out of the
  // renderings that end with an assistant message too; a template that writes an end-of-sequence token only after a
  // last assistant message does not have such a trailer. Nor is it one when the prompt (`prompt`, the same messages with
  // the generation prompt) goes on from it: the token then ends the last message, and the whole conversation writes
  // that message differently (Hermes 3's tool template: "</tool_response><|im_end|>" before a reply at inference,
  // "</tool_response>\n<|im_end|>" once the reply follows).
  const asPrefix = (text: string, learn: boolean, prompt = ""): string | undefined => {
    if (full.startsWith(text)) return text;
    const t = learn
      ? eosTexts.find((e) => text.endsWith(e) && full.startsWith(text.slice(0, -e.length)) && !prompt.startsWith(text))
      : trailer || undefined;
    if (t === undefined || !text.endsWith(t) || !full.startsWith(text.slice(0, -t.length))) return undefined;
    trailer = t;
    return text.slice(0, -t.length);
  };
  const starts = new Map<number, { char: number; token: number }>();
  const startOf = (k: number) => {
    let start = starts.get(k);
    if (!start) {
      const prompt = render(k, true);
      const before = asPrefix(render(k, false), true, prompt);
      if (before === undefined) {
        throw new HistoryRewritten(
          "validation_failed",
          `messages[${k}]: the chat template writes the messages before this assistant message differently once later messages follow, so its tokens cannot be found`,
        );
      }
      const char = commonPrefixLength(prompt, full);
      // the prompt at inference does not go on as the conversation does (QwQ's and the R1 distills' generation prompt
      // opens a `<think>` block that a reply without reasoning never has): each reply trains after its own prompt
      if (char < prompt.length)
        throw new HistoryRewritten(
          "validation_failed",
          `messages[${k}]: the chat template's prompt before this assistant message is not how the conversation goes on`,
        );
      start = { char, token: position(prompt, "start") };
      starts.set(k, start);
    }
    return start;
  };

  const spans: AssistantSpan[] = [];
  for (const [n, k] of assistants.entries()) {
    const start = startOf(k);
    let written = asPrefix(render(k + 1, false), false) ?? render(k + 1, false);
    // the last message ends where the trailer starts (the whole conversation ends with it)
    if (trailer && written === full && full.endsWith(trailer)) written = full.slice(0, -trailer.length);
    const next = assistants[n + 1];
    let end: number;
    let form: AssistantSpan["form"];
    if (full.startsWith(written) && written.length >= start.char) {
      form = "as-last";
      end = cutAfterLastEos(tokenizer, ids, start.token, position(written, "end"));
    } else {
      form = "in-history";
      const limit = next === undefined ? ids.length : startOf(next).token;
      end = firstEosFrom(tokenizer, ids, start.token, limit);
      if (end < 0) {
        throw new TunelabError(
          "validation_failed",
          `messages[${k}]: the chat template writes this assistant message differently once later messages follow, and no end-of-sequence token ends it`,
        );
      }
    }
    const weight = messages[k]?.weight === 0 ? 0 : 1;
    for (let i = start.token; i < end; i++) weights[i] = weight;
    spans.push({ message: k, start: start.token, end, weight, form });
  }
  return { ids, weights, spans };
}

/**
 * A training sequence when no single rendering holds every assistant message as the model writes it (the template
 * writes earlier messages differently once an assistant message follows): what the model sees and writes for the
 * assistant message k, as inference renders it.
 * - `prompt = render(messages[:k], add_generation_prompt)`: the prompt at inference;
 * - `written = render(messages[:k+1])` holds message k as the template writes it. Where the message before it ends is
 *   found in both texts by rendering them again with that message's content one character longer (the texts part
 *   there). If what follows it in `written` starts with what follows it in `prompt` (the end of that message and the
 *   generation prompt: Mistral's "[/INST]"), message k is the rest of `written`, separator included (Mistral's " ").
 *   Otherwise message k is `written` from where its own content starts (found the same way), when it has content.
 * - message k is cut after its last end-of-sequence token; earlier assistant messages are in the prompt, weight 0.
 * A message that cannot be found so is refused with the original error.
 */
function turnMask(
  tokenizer: HfTokenizer,
  messages: readonly ChatInputMessage[],
  converted: readonly TemplateMessage[],
  render: (list: readonly TemplateMessage[], count: number, addGenerationPrompt: boolean) => string,
  refusal: HistoryRewritten,
  k: number,
): AssistantMask {
  const message = converted[k];
  if (!message) throw refusal;
  const prompt = render(converted, k, true);
  const written = render(converted, k + 1, false);
  /** Where message `i`'s content ends (or, with `start`, begins) in `text`, rendered from `list` as `text` was. */
  const parting = (text: string, i: number, count: number, addGenerationPrompt: boolean, start = false) => {
    const varied = converted.map((m, j) => (j === i ? withContent(m, start ? `${other(m.content)}${m.content}` : `${m.content}#`) : m));
    return commonPrefixLength(text, render(varied, count, addGenerationPrompt));
  };
  let reply: string | undefined;
  if (k > 0) {
    const tailOfPrompt = prompt.slice(parting(prompt, k - 1, k, true));
    const tailWritten = written.slice(parting(written, k - 1, k + 1, false));
    if (tailWritten.startsWith(tailOfPrompt)) reply = tailWritten.slice(tailOfPrompt.length);
  }
  if (reply === undefined && message.content !== "") reply = written.slice(parting(written, k, k + 1, false, true));
  if (reply === undefined) {
    // a message of tool calls alone, after a generation prompt the conversation does not have (QwQ's `<think>`): the
    // message is what `written` adds to the conversation before it, after the turn's header the prompt shares
    const before = render(converted, k, false);
    if (written.startsWith(before) && prompt.startsWith(before)) {
      // the header is the tokens the generation prompt and the message share ("<|im_start|>assistant\n", not the "<t"
      // that `<think>` and `<tool_call>` share as text)
      const rest = written.slice(before.length);
      const restIds = tokenizer.encode(rest, { addSpecialTokens: false });
      const headerIds = tokenizer.encode(prompt.slice(before.length), { addSpecialTokens: false });
      let shared = 0;
      while (shared < restIds.length && restIds[shared] === headerIds[shared]) shared++;
      reply = rest.slice(shared < restIds.length ? (tokenOffsets(tokenizer, restIds, rest)[shared]?.start ?? rest.length) : rest.length);
    }
  }
  if (reply === undefined || reply === "") throw refusal;
  const text = prompt + reply;
  const ids = tokenizer.encode(text, { addSpecialTokens: false });
  const promptIds = tokenizer.encode(prompt, { addSpecialTokens: false });
  const start = isPrefix(promptIds, ids) ? promptIds.length : firstEndingAfter(tokenOffsets(tokenizer, ids, text), prompt.length);
  const end = cutAfterLastEos(tokenizer, ids, start, ids.length);
  const weight = messages[k]?.weight === 0 ? 0 : 1;
  const weights = new Array<number>(ids.length).fill(0);
  for (let i = start; i < end; i++) weights[i] = weight;
  return { ids, weights, spans: [{ message: k, start, end, weight, form: "as-last" }], oneTurn: true };
}

const withContent = (message: TemplateMessage, content: string): TemplateMessage => ({ ...message, content });

/** A character other than the text's first. */
const other = (text: string) => (text.startsWith("#") ? "@" : "#");

function renderPrefix(
  template: ChatTemplate,
  messages: readonly TemplateMessage[],
  count: number,
  options: {
    tools: readonly ChatInputTool[] | null | undefined;
    addGenerationPrompt: boolean;
    variables: Readonly<Record<string, unknown>> | undefined;
  },
): string {
  if (count === 0 && !options.addGenerationPrompt) return "";
  const renderOptions = {
    tools: options.tools,
    addGenerationPrompt: options.addGenerationPrompt,
    ...(options.variables ? { variables: options.variables } : {}),
  };
  return template.render(messages.slice(0, count), renderOptions);
}

function isPrefix(prefix: readonly number[], ids: readonly number[]): boolean {
  if (prefix.length > ids.length) return false;
  return prefix.every((id, i) => ids[i] === id);
}

function commonPrefixLength(a: string, b: string): number {
  const max = Math.min(a.length, b.length);
  let i = 0;
  while (i < max && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/** The first token with characters at or after `char` (a token straddling `char` included). */
function firstEndingAfter(offsets: readonly TokenOffset[], char: number): number {
  const i = offsets.findIndex((o) => o.end > char);
  return i < 0 ? offsets.length : i;
}

/** The first token that starts at or after `char` (a token straddling `char` stays before it). */
function firstStartingAt(offsets: readonly TokenOffset[], char: number): number {
  const i = offsets.findIndex((o) => o.start >= char && o.end > o.start);
  return i < 0 ? offsets.length : i;
}

/** Cuts [start, end) after its last end-of-sequence token, when it has one. */
function cutAfterLastEos(tokenizer: HfTokenizer, ids: readonly number[], start: number, end: number): number {
  for (let i = end - 1; i >= start; i--) {
    if (tokenizer.isEos(ids[i] ?? -1)) return i + 1;
  }
  return end;
}

/** The index after the first end-of-sequence token in [start, limit), or -1. */
function firstEosFrom(tokenizer: HfTokenizer, ids: readonly number[], start: number, limit: number): number {
  for (let i = start; i < limit; i++) {
    if (tokenizer.isEos(ids[i] ?? -1)) return i + 1;
  }
  return -1;
}
