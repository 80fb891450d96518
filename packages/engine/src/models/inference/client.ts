/**
 * The request thread's side of inference: one worker thread (started on first use) that loads
 * models and generates, so a long prompt or a slow model never freezes other requests. Requests
 * are answered in order; streamed text arrives through `onToken` as the worker produces it.
 */

import { Worker } from "node:worker_threads";
import { type ErrorCode, TunelabError, workerEntry } from "@tunelab/base";
import { ContextLengthExceededError } from "../../trainer/inference/context-length.ts";
import type { ChatExample, Completion, OnToken, SamplingParams } from "../../trainer/types.ts";
import { EmbeddingsUnsupportedError } from "./embeddings-unsupported.ts";
import { InferenceStoppedError } from "./inference-stopped.ts";
import type { InferenceReply, InferenceRequest, ModelSource, SerializedError } from "./protocol.ts";

type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

type Embedded = { vectors: Float32Array[]; promptTokens: number };

interface Pending {
  resolve(value: Completion | number | Embedded): void;
  reject(error: Error): void;
  onToken?: OnToken | undefined;
}

function revive(e: SerializedError): Error {
  if (e.name === "ContextLengthExceededError" && e.promptTokens !== undefined && e.contextLength !== undefined)
    return new ContextLengthExceededError(e.promptTokens, e.contextLength, e.atLeast ?? false);
  if (e.name === "EmbeddingsUnsupportedError") return new EmbeddingsUnsupportedError();
  if (e.code !== undefined) return new TunelabError(e.code as ErrorCode, e.message, e.param ? { details: { param: e.param } } : {});
  const error = new Error(e.message);
  error.name = e.name;
  return error;
}

export class InferenceClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(workerEntry("inference-worker", new URL("./worker.mjs", import.meta.url)));
    worker.unref();
    worker.on("message", (m: InferenceReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      if (m.type === "token") p.onToken?.(m.text, m.logprobs, m.reasoning);
      else {
        this.pending.delete(m.id);
        if (m.type === "done") p.resolve(m.completion);
        else if (m.type === "count") p.resolve(m.tokens);
        else if (m.type === "embed") p.resolve({ vectors: m.vectors, promptTokens: m.promptTokens });
        else p.reject(revive(m.error));
      }
      if (this.pending.size === 0) worker.unref();
    });
    const fail = (error: Error) => {
      if (this.worker !== worker) return; // closed: its requests were settled then, and a new worker may serve others
      this.worker = undefined;
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`the inference worker exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }

  private send<T extends Completion | number | Embedded>(request: WithoutId<InferenceRequest>, onToken?: OnToken): Promise<T> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: Completion | number | Embedded) => void, reject, onToken });
      worker.ref();
      worker.postMessage({ ...request, id });
    });
  }

  complete(
    source: ModelSource,
    messages: ChatExample["messages"],
    tools: unknown[] | undefined,
    sampling: SamplingParams,
    onToken?: OnToken,
  ): Promise<Completion> {
    return this.send<Completion>({ type: "complete", source, messages, tools, sampling, stream: onToken !== undefined }, onToken);
  }

  countPromptTokens(source: ModelSource, messages: ChatExample["messages"], tools?: unknown[]): Promise<number> {
    return this.send<number>({ type: "count", source, messages, tools });
  }

  /** Unit-length embeddings of each input (text or token ids); EmbeddingsUnsupportedError for models without them. */
  embed(source: ModelSource, inputs: (string | number[])[]): Promise<Embedded> {
    return this.send<Embedded>({ type: "embed", source, inputs });
  }

  /** Stops the worker; requests it has not answered reject with `InferenceStoppedError` (a 503, not a crash). */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    const stopped = [...this.pending.values()];
    this.pending.clear();
    for (const p of stopped) p.reject(new InferenceStoppedError());
    if (worker) await worker.terminate();
  }
}
