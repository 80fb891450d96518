/**
 * Chat completion with an open-weight model: the chat template renders the prompt, a KV-cached
 * decoder produces tokens until an end-of-turn id, a stop sequence or the budget; content streams as
 * complete UTF-8 text; tool calls are parsed from the model's own convention; log-probabilities in
 * OpenAI's shape on request.
 */
import { completionBudget, promptBytes, refuseOversizedPrompt } from "../../trainer/inference/context-length.ts";
import { outputConstraint } from "../../trainer/inference/json/output-constraint.ts";
import { LogitAdjust } from "../../trainer/inference/logit-adjust.ts";
import { type TokenLogprob, tokenLogprob } from "../../trainer/inference/logprobs.ts";
import { sample } from "../../trainer/inference/sampler.ts";
import { Rng } from "../../trainer/train/rng.ts";
import type { ChatExample, Completion, OnToken, SamplingParams } from "../../trainer/types.ts";
import { contextLimit } from "../config.ts";
import { type DecoderModel, HfDecoder } from "./decoder.ts";
import { parseHfToolCalls, streamableLength } from "./tool-calls.ts";

/** What generation needs from the tokenizer and chat template (src/hf/tokenizer). */
/** A forced tool call is written as a bare JSON call, which parseHfToolCalls reads whatever the model's family. */
const NO_MARKER = new Uint8Array(0);

export interface ChatCodec {
  /** Ids the tokenizer can decode (the model's vocab may be padded past it). */
  readonly vocabSize: number;
  readonly eosIds: ReadonlySet<number>;
  /** The most bytes one token stands for (bounds the tokens of a prompt from below). */
  readonly maxTokenBytes: number;
  encodeChat(messages: ChatExample["messages"], tools: unknown[] | undefined): number[];
  /** The token's raw bytes (empty for special tokens, whose text is not content). */
  tokenBytes(id: number): Uint8Array;
  /** The token as text for logprobs (special tokens by their name). */
  tokenText(id: number): string;
  /**
   * The tokenizer's decoder drops the space that begins a decoded text (SentencePiece's rule, the `Strip` or
   * `Metaspace` decoder of Llama 2 and Mistral v0.1–v0.3): a completion drops it too, as Hugging Face's decode of the
   * generated ids does, so the content is the text the model was trained to answer, not " " + it.
   */
  readonly stripsLeadingSpace: boolean;
}

export function generateHf(
  model: DecoderModel,
  codec: ChatCodec,
  messages: ChatExample["messages"],
  tools: unknown[] | undefined,
  sampling: SamplingParams,
  onToken?: OnToken,
): Completion {
  const ctx = Math.min(contextLimit(model.arch), model.rope.positions);
  refuseOversizedPrompt(promptBytes(messages, tools), codec.maxTokenBytes, ctx);
  const prompt = codec.encodeChat(messages, tools);
  const promptTokens = prompt.length;
  const maxTokens = completionBudget(promptTokens, ctx, sampling.maxTokens);
  const limit = Math.min(codec.vocabSize, model.arch.vocab);
  const allowed = (id: number) => id < limit;
  const rng = new Rng(sampling.seed ?? Math.floor(Math.random() * 2 ** 32));
  const adjust = LogitAdjust.of(sampling, limit);
  const stops = (sampling.stop ?? []).filter((s) => s.length > 0);
  const holdBack = stops.reduce((m, s) => Math.max(m, s.length - 1), 0);
  const constraint = outputConstraint(
    sampling,
    {
      size: limit,
      bytes: (id) => codec.tokenBytes(id),
      isEnd: (id) => codec.eosIds.has(id),
      key: codec,
    },
    NO_MARKER,
  );
  const decoder = new HfDecoder(model, promptTokens + maxTokens);
  const utf8 = new TextDecoder();
  const logprobs: TokenLogprob[] = [];
  let logprobsSent = 0;
  const send = (piece: string) => {
    onToken?.(piece, sampling.logprobs !== undefined ? logprobs.slice(logprobsSent) : undefined);
    logprobsSent = logprobs.length;
  };
  const describe = (id: number) => ({ token: codec.tokenText(id), bytes: [...codec.tokenBytes(id)] });
  // Tool-call text is not streamed as content: hold it back once a call may have started.
  const streamable = tools && tools.length > 0 ? streamableLength : (t: string) => t.length;
  let text = "";
  let emitted = 0;
  let completionTokens = 0;
  let finishReason: Completion["finishReason"] = "length";
  let logits = decoder.feed(prompt);
  while (completionTokens < maxTokens) {
    const id = sample(adjust ? adjust.apply(logits) : logits, allowed, sampling.temperature, sampling.topP, rng, constraint);
    if (id < 0) break; // no token continues the constrained text
    constraint?.advance(id);
    adjust?.generated(id);
    completionTokens++;
    if (codec.eosIds.has(id)) {
      finishReason = "stop";
      break;
    }
    if (sampling.logprobs !== undefined) logprobs.push(tokenLogprob(logits, id, sampling.logprobs, describe, allowed));
    const piece = utf8.decode(codec.tokenBytes(id), { stream: true });
    text += text === "" && codec.stripsLeadingSpace && piece.startsWith(" ") ? piece.slice(1) : piece;
    const hit = stops.map((s) => text.indexOf(s)).filter((i) => i >= 0);
    if (hit.length > 0) {
      text = text.slice(0, Math.min(...hit));
      finishReason = "stop";
      break;
    }
    const upTo = Math.min(text.length - holdBack, streamable(text));
    if (onToken && upTo > emitted) {
      send(text.slice(emitted, upTo));
      emitted = upTo;
    }
    if (completionTokens >= maxTokens) break;
    logits = decoder.feed([id]);
  }
  text += utf8.decode();
  const { content, toolCalls } = parseHfToolCalls(text, tools);
  if (onToken && toolCalls.length === 0 && text.length > emitted) send(text.slice(emitted));
  if (toolCalls.length > 0 && finishReason === "stop") finishReason = "tool_calls";
  return {
    text: content,
    ...(toolCalls.length > 0 ? { toolCalls } : {}),
    finishReason,
    promptTokens,
    completionTokens,
    ...(sampling.logprobs !== undefined ? { logprobs } : {}),
  };
}
