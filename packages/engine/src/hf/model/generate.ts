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
import { GEMV_ROWS } from "../../trainer/kernels/gemv-rows.ts";
import { Rng } from "../../trainer/train/rng.ts";
import type { ChatExample, Completion, CompletionBatch, OnToken, SamplingParams } from "../../trainer/types.ts";
import { contextLimit } from "../config.ts";
import { type DecoderModel, HfDecoder } from "./decoder.ts";
import { answerStart, splitReasoning, THINK_CLOSE, THINK_OPEN } from "./reasoning.ts";
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
  encodeChat(messages: ChatExample["messages"], tools: unknown[] | undefined, variables?: Readonly<Record<string, unknown>>): number[];
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
  /**
   * For a family that writes reasoning blocks (its template writes `</think>`): whether the prompt leaves one open for
   * the model to write in. Its output is then split into reasoning and answer (reasoning.ts); absent: never split.
   */
  readonly opensReasoning?: (prompt: readonly number[]) => boolean;
}

/** One request to generate: what generateHf and HfBatch take. */
export interface HfGenerationRequest {
  messages: ChatExample["messages"];
  tools: unknown[] | undefined;
  sampling: SamplingParams;
  onToken?: OnToken | undefined;
}

/**
 * One completion, a token at a time: `start()` feeds the prompt, then each `step(logits)` samples the next token from
 * the logits of the last one fed, streams what it can, and says which token to feed next (or that the completion has
 * ended); `result()` is the completion. The decoder is the caller's to feed, alone or in a batch (HfBatch).
 */
class HfGeneration {
  readonly decoder: HfDecoder;
  private readonly prompt: number[];
  private readonly maxTokens: number;
  private readonly allowed: (id: number) => boolean;
  private readonly rng: Rng;
  private readonly adjust: LogitAdjust | undefined;
  private readonly stops: string[];
  private readonly holdBack: number;
  private readonly constraint: ReturnType<typeof outputConstraint>;
  private readonly utf8 = new TextDecoder();
  private readonly logprobs: TokenLogprob[] = [];
  private logprobsSent = 0;
  private readonly streamable: (text: string) => number;
  private text = "";
  private emitted = 0;
  private completionTokens = 0;
  private cachedTokens = 0;
  /** Whether the output may begin with reasoning (reasoning.ts), and whether the prompt opened its block. */
  private readonly reasons: boolean;
  private readonly openInPrompt: boolean;
  /** Tokens generated before the answer began (its reasoning, when there was some). */
  private beforeAnswer = 0;
  /** Characters of the reasoning streamed so far, and whether all of it was (its block closed). */
  private reasoningSent = 0;
  private reasoningStreamed = false;
  private finishReason: Completion["finishReason"] = "length";

  constructor(
    private readonly model: DecoderModel,
    private readonly codec: ChatCodec,
    private readonly r: HfGenerationRequest,
  ) {
    const ctx = Math.min(contextLimit(model.arch), model.rope.positions);
    refuseOversizedPrompt(promptBytes(r.messages, r.tools), codec.maxTokenBytes, ctx);
    this.prompt = codec.encodeChat(r.messages, r.tools, r.sampling.templateVariables);
    this.maxTokens = completionBudget(this.prompt.length, ctx, r.sampling.maxTokens);
    const limit = Math.min(codec.vocabSize, model.arch.vocab);
    this.allowed = (id: number) => id < limit;
    this.rng = new Rng(r.sampling.seed ?? Math.floor(Math.random() * 2 ** 32));
    this.adjust = LogitAdjust.of(r.sampling, limit);
    this.stops = (r.sampling.stop ?? []).filter((stop) => stop.length > 0);
    this.holdBack = this.stops.reduce((m, stop) => Math.max(m, stop.length - 1), 0);
    this.constraint = outputConstraint(
      r.sampling,
      { size: limit, bytes: (id) => codec.tokenBytes(id), isEnd: (id) => codec.eosIds.has(id), key: codec },
      NO_MARKER,
    );
    // Tool-call text is not streamed as content: hold it back once a call may have started.
    this.streamable = r.tools && r.tools.length > 0 ? streamableLength : (t: string) => t.length;
    this.decoder = new HfDecoder(model, this.prompt.length + this.maxTokens);
    this.reasons = codec.opensReasoning !== undefined;
    this.openInPrompt = codec.opensReasoning?.(this.prompt) ?? false;
  }

  /** Feeds the prompt (from the model's cached prefixes where it can); the logits of its last token, for the first step. */
  start(): Float32Array {
    const prefixes = this.model.prefixes;
    if (!prefixes) return this.decoder.feed(this.prompt);
    const { logits, reused } = prefixes.feedPrompt(this.decoder, this.prompt);
    this.cachedTokens = reused;
    return logits;
  }

  private send(piece: string): void {
    const { onToken, sampling } = this.r;
    onToken?.(piece, sampling.logprobs !== undefined ? this.logprobs.slice(this.logprobsSent) : undefined);
    this.logprobsSent = this.logprobs.length;
  }

  /** Samples the token after `logits`: the token to feed next, or null when the completion has ended. */
  step(logits: Float32Array): number | null {
    const { codec, r } = this;
    if (this.completionTokens >= this.maxTokens) return null;
    const id = sample(
      this.adjust ? this.adjust.apply(logits) : logits,
      this.allowed,
      r.sampling.temperature,
      r.sampling.topP,
      this.rng,
      this.constraint,
    );
    if (id < 0) return null; // no token continues the constrained text
    this.constraint?.advance(id);
    this.adjust?.generated(id);
    this.completionTokens++;
    if (codec.eosIds.has(id)) {
      this.finishReason = "stop";
      return null;
    }
    if (r.sampling.logprobs !== undefined) {
      const describe = (t: number) => ({ token: codec.tokenText(t), bytes: [...codec.tokenBytes(t)] });
      this.logprobs.push(tokenLogprob(logits, id, r.sampling.logprobs, describe, this.allowed));
    }
    const piece = this.utf8.decode(codec.tokenBytes(id), { stream: true });
    this.text += this.text === "" && codec.stripsLeadingSpace && piece.startsWith(" ") ? piece.slice(1) : piece;
    const hit = this.stops.map((stop) => this.text.indexOf(stop)).filter((i) => i >= 0);
    if (hit.length > 0) {
      this.text = this.text.slice(0, Math.min(...hit));
      this.finishReason = "stop";
      return null;
    }
    // the answer streams once it has begun (after any reasoning); `emitted` counts its characters sent
    const start = this.reasons ? answerStart(this.text, this.openInPrompt) : 0;
    if (this.reasons) this.streamReasoning();
    if (start === null) this.beforeAnswer++;
    else {
      const answer = this.text.slice(start);
      const upTo = Math.min(answer.length - this.holdBack, this.streamable(answer));
      if (r.onToken && upTo > this.emitted) {
        this.send(answer.slice(this.emitted, upTo));
        this.emitted = upTo;
      }
    }
    return this.completionTokens >= this.maxTokens ? null : id;
  }

  /**
   * Streams the reasoning of a block the model opened itself (Qwen3, SmolLM3), as far as it is known not to be part of
   * `</think>` or whitespace before it. A block the prompt opened is not streamed: a model tuned on answers alone
   * answers in it (reasoning.ts), which is known only at the end.
   */
  private streamReasoning(): void {
    if (!this.r.onToken || this.openInPrompt || this.reasoningStreamed) return;
    const lead = this.text.trimStart();
    if (!lead.startsWith(THINK_OPEN)) return;
    const body = lead.slice(THINK_OPEN.length).trimStart();
    const close = body.indexOf(THINK_CLOSE);
    let end = close >= 0 ? close : body.length;
    if (close < 0)
      for (let k = Math.min(THINK_CLOSE.length - 1, body.length); k > 0; k--)
        if (body.endsWith(THINK_CLOSE.slice(0, k))) {
          end -= k;
          break;
        }
    end = body.slice(0, end).trimEnd().length;
    this.reasoningStreamed = close >= 0;
    if (end > this.reasoningSent) {
      this.r.onToken(body.slice(this.reasoningSent, end), undefined, true);
      this.reasoningSent = end;
    }
  }

  /** The completion, once step() has returned null. */
  result(): Completion {
    this.text += this.utf8.decode();
    const { reasoning, content: answer } = this.reasons
      ? splitReasoning(this.text, this.openInPrompt, this.finishReason !== "length")
      : { content: this.text };
    const { content, toolCalls } = parseHfToolCalls(answer, this.r.tools);
    if (this.r.onToken && toolCalls.length === 0 && answer.length > this.emitted) this.send(answer.slice(this.emitted));
    const finishReason = toolCalls.length > 0 && this.finishReason === "stop" ? "tool_calls" : this.finishReason;
    return {
      text: content,
      ...(toolCalls.length > 0 ? { toolCalls } : {}),
      finishReason,
      promptTokens: this.prompt.length,
      ...(this.cachedTokens > 0 ? { cachedTokens: this.cachedTokens } : {}),
      completionTokens: this.completionTokens,
      // an empty block (Qwen3 tuned on answers alone writes one) is no reasoning to report
      ...(reasoning ? { reasoning, reasoningTokens: Math.min(this.beforeAnswer, this.completionTokens) } : {}),
      ...(this.r.sampling.logprobs !== undefined ? { logprobs: this.logprobs } : {}),
    };
  }
}

export function generateHf(
  model: DecoderModel,
  codec: ChatCodec,
  messages: ChatExample["messages"],
  tools: unknown[] | undefined,
  sampling: SamplingParams,
  onToken?: OnToken,
): Completion {
  const g = new HfGeneration(model, codec, { messages, tools, sampling, onToken });
  let next = g.step(g.start());
  while (next !== null) next = g.step(g.decoder.feed([next]));
  return g.result();
}

/**
 * The most sequences decoded in one step: the kernels' matrix-vector path (GEMV_ROWS), on which the weights are read
 * once for every row and each row's sums are a lone row's.
 */
export const MAX_BATCH = GEMV_ROWS;

/**
 * Completions of one model decoded together, joining and leaving as they come: `add` feeds a request's prompt (its
 * result may come at once: a prompt over the context, a one-token answer), each `step` decodes one token of every
 * live completion, up to MAX_BATCH sequences at a time (HfDecoder.feedBatch: the weights are read once for all of
 * them), and hands each finished one to its `done`. Each completion is the one generateHf gives it alone, token for
 * token; a request that fails fails alone.
 */
export class HfBatch implements CompletionBatch {
  private readonly live: Array<{ g: HfGeneration; next: number; done: (result: Completion | Error) => void }> = [];

  constructor(
    private readonly model: DecoderModel,
    private readonly codec: ChatCodec,
  ) {}

  /** Completions still generating. */
  get size(): number {
    return this.live.length;
  }

  /** Bytes their key/value caches hold. */
  get cacheBytes(): number {
    return this.live.reduce((sum, s) => sum + s.g.decoder.cacheBytes, 0);
  }

  add(r: HfGenerationRequest, done: (result: Completion | Error) => void): void {
    let g: HfGeneration;
    let next: number | null;
    try {
      g = new HfGeneration(this.model, this.codec, r);
      next = g.step(g.start());
    } catch (error) {
      done(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (next === null) done(g.result());
    else this.live.push({ g, next, done });
  }

  step(): void {
    const finished: typeof this.live = [];
    for (let at = 0; at < this.live.length; at += MAX_BATCH) {
      const group = this.live.slice(at, at + MAX_BATCH);
      const only = group.length === 1 ? group[0] : undefined;
      const logits = only
        ? [only.g.decoder.feed([only.next])]
        : HfDecoder.feedBatch(
            group.map((s) => s.g.decoder),
            group.map((s) => s.next),
          );
      group.forEach((s, i) => {
        const next = s.g.step(logits[i] as Float32Array);
        if (next === null) finished.push(s);
        else s.next = next;
      });
    }
    for (const s of finished) {
      this.live.splice(this.live.indexOf(s), 1);
      s.done(s.g.result());
    }
  }

  fail(error: Error): void {
    for (const s of this.live.splice(0)) s.done(error);
  }
}
