/**
 * Chat completion with a loaded model: prompt → tokens, incremental decoding with a KV cache,
 * sampling, stop sequences, streaming of content text, tool-call parsing.
 */
import type { Transformer } from "../model/transformer.ts";
import { encodePromptWithImages } from "../tokenizer/chat-template.ts";
import { CALL, END, FIRST_MERGE, FIRST_SPECIAL } from "../tokenizer/special.ts";
import type { Tokenizer } from "../tokenizer/tokenizer.ts";
import { Rng } from "../train/rng.ts";
import type { ChatExample, Completion, OnToken, SamplingParams } from "../types.ts";
import { promptImageRows } from "../vision/image-rows.ts";
import { visionEncoding } from "../vision/spec.ts";
import { completionBudget, promptBytes, refuseOversizedPrompt } from "./context-length.ts";
import { Decoder } from "./decoder.ts";
import { outputConstraint } from "./json/output-constraint.ts";
import { LogitAdjust } from "./logit-adjust.ts";
import { type TokenLogprob, tokenLogprob } from "./logprobs.ts";
import { sample } from "./sampler.ts";
import { CALL_MARKER, parseToolCalls } from "./tool-calls.ts";

/** Tokens the model may produce: text tokens, <|call|> and <|end|> (never other specials, nor a vision model's image tokens). */
const allowedBelow = (vocab: number) => (id: number) => id < 256 || (id >= FIRST_MERGE && id < vocab) || id === END || id === CALL;
const NO_BYTES = new Uint8Array(0);
const CALL_BYTES = new TextEncoder().encode(CALL_MARKER);

export function generate(
  model: Transformer,
  tokenizer: Tokenizer,
  messages: ChatExample["messages"],
  tools: unknown[] | undefined,
  sampling: SamplingParams,
  onToken?: OnToken,
): Completion {
  const ctx = model.spec.contextLength;
  refuseOversizedPrompt(promptBytes(messages, tools), tokenizer.maxTokenBytes, ctx);
  const allowed = allowedBelow(tokenizer.vocabSize);
  const encoded = encodePromptWithImages(tokenizer, messages, tools, visionEncoding(model.spec));
  const prompt = encoded.tokens;
  const promptTokens = prompt.length;
  const maxTokens = completionBudget(promptTokens, ctx, sampling.maxTokens);
  const rng = new Rng(sampling.seed ?? Math.floor(Math.random() * 2 ** 32));
  const adjust = LogitAdjust.of(sampling, tokenizer.vocabSize);
  const stops = (sampling.stop ?? []).filter((s) => s.length > 0);
  const holdBack = stops.reduce((m, s) => Math.max(m, s.length - 1), 0);
  const constraint = outputConstraint(
    sampling,
    {
      size: tokenizer.vocabSize,
      // special tokens (<|call|> included) are never part of constrained text
      // <|call|> only as a forced tool call's marker
      bytes: (id) =>
        id === CALL && sampling.forcedToolCall ? CALL_BYTES : id >= FIRST_SPECIAL && id < FIRST_MERGE ? NO_BYTES : tokenizer.tokenBytes(id),
      isEnd: (id) => id === END,
      key: sampling.forcedToolCall ? CALL_BYTES : tokenizer,
    },
    CALL_BYTES,
  );
  const decoder = new Decoder(model);
  const textDecoder = new TextDecoder();
  let text = "";
  let emitted = 0;
  let completionTokens = 0;
  let finishReason: Completion["finishReason"] = "length";
  const vision = model.spec.vision;
  let logits = decoder.feed(prompt, vision ? promptImageRows(model.k, vision, encoded.images) : undefined);
  let streaming = true;
  const logprobs: TokenLogprob[] = [];
  let logprobsSent = 0;
  const describe = (id: number) => {
    const bytes = tokenizer.tokenBytes(id);
    return { token: new TextDecoder().decode(bytes), bytes: [...bytes] };
  };
  const emit = (upTo: number) => {
    if (!onToken || !streaming) return;
    const callAt = text.indexOf(CALL_MARKER);
    const limit = callAt >= 0 ? Math.min(upTo, callAt) : upTo;
    if (limit > emitted) {
      onToken(text.slice(emitted, limit), sampling.logprobs !== undefined ? logprobs.slice(logprobsSent) : undefined);
      logprobsSent = logprobs.length;
    }
    emitted = Math.max(emitted, limit);
    if (callAt >= 0) streaming = false;
  };
  while (completionTokens < maxTokens) {
    const id = sample(adjust ? adjust.apply(logits) : logits, allowed, sampling.temperature, sampling.topP, rng, constraint);
    if (id < 0) break; // no token continues the constrained text (cannot happen with byte tokens in the vocabulary)
    constraint?.advance(id);
    adjust?.generated(id);
    completionTokens++;
    if (sampling.logprobs !== undefined && id !== END && id !== CALL)
      logprobs.push(tokenLogprob(logits, id, sampling.logprobs, describe, allowed));
    if (id === END) {
      finishReason = "stop";
      break;
    }
    text += textDecoder.decode(tokenizer.tokenBytes(id), { stream: true });
    const hit = stops.map((s) => text.indexOf(s)).filter((i) => i >= 0);
    if (hit.length > 0) {
      text = text.slice(0, Math.min(...hit));
      finishReason = "stop";
      break;
    }
    emit(text.length - holdBack);
    if (decoder.position >= ctx) break;
    logits = decoder.feed([id]);
  }
  if (finishReason === "length") text += textDecoder.decode();
  emit(text.length);
  const { content, toolCalls } = parseToolCalls(text);
  if (toolCalls.length > 0 && finishReason === "stop") finishReason = "tool_calls";
  return {
    text: content ?? "",
    ...(toolCalls.length > 0 ? { toolCalls } : {}),
    finishReason,
    promptTokens,
    completionTokens,
    ...(sampling.logprobs !== undefined ? { logprobs } : {}),
  };
}
