/**
 * The inference worker: loads models (most recently used kept) and runs chat completions, so tokenising and decoding
 * never block the HTTP server's thread; the completions of one model that wait together are decoded together.
 */

import { parentPort } from "node:worker_threads";
import { TunelabError } from "@tunelab/base";
import { openHfModel } from "../../hf/load.ts";
import { ContextLengthExceededError } from "../../trainer/inference/context-length.ts";
import { openModel } from "../../trainer/inference/load.ts";
import type { TokenLogprob } from "../../trainer/inference/logprobs.ts";
import type { Completion, LoadedModel } from "../../trainer/types.ts";
import { EmbeddingsUnsupportedError } from "./embeddings-unsupported.ts";
import {
  type CompleteRequest,
  type InferenceReply,
  type InferenceRequest,
  type ModelSource,
  type SerializedError,
  sourceKey,
} from "./protocol.ts";

const CAPACITY = 2;
const loaded = new Map<string, LoadedModel>();
const post = (m: InferenceReply) => parentPort?.postMessage(m);

async function model(source: ModelSource): Promise<LoadedModel> {
  const key = sourceKey(source);
  let m = loaded.get(key);
  if (m) loaded.delete(key);
  else if (source.kind === "base") m = openModel({ spec: source.spec });
  else if (source.kind === "dir") m = openModel({ dir: source.dir });
  else if (source.kind === "hf") m = await openHfModel(source.dir);
  else m = await openHfModel(source.baseDir, { adapterDir: source.dir, ...(source.baseWeights ? { weights: source.baseWeights } : {}) });
  loaded.set(key, m);
  while (loaded.size > CAPACITY) {
    const oldest = loaded.keys().next().value;
    if (oldest === undefined) break;
    loaded.delete(oldest);
  }
  return m;
}

function serialize(error: unknown): SerializedError {
  if (error instanceof ContextLengthExceededError)
    return {
      name: error.name,
      message: error.message,
      promptTokens: error.promptTokens,
      contextLength: error.contextLength,
      atLeast: error.atLeast,
    };
  if (error instanceof TunelabError) {
    const param = (error.details as { param?: unknown } | undefined)?.param;
    return { name: error.name, message: error.message, code: error.code, ...(typeof param === "string" ? { param } : {}) };
  }
  const e = error instanceof Error ? error : new Error(String(error));
  return { name: e.name, message: e.message };
}

/** The most completions run together: an eval run's concurrency (8 by default) fits in one batch. */
const BATCH = 8;

// In arrival order (loading a model is asynchronous), but the completions of one model waiting in the queue run
// together (LoadedModel.completeBatch: an open-weight model decodes them in one pass of its weights per step).
const pending: InferenceRequest[] = [];
let draining = false;
parentPort?.on("message", (r: InferenceRequest) => {
  pending.push(r);
  if (!draining) void drain();
});

async function drain(): Promise<void> {
  draining = true;
  try {
    // a turn of the event loop first, so that the requests already sent (an eval run's, at once) are all in the queue:
    // the port delivers them only then
    await new Promise<void>((resolve) => setImmediate(resolve));
    for (let r = pending.shift(); r !== undefined; r = pending.shift()) {
      if (r.type !== "complete") {
        await handle(r);
        continue;
      }
      const key = sourceKey(r.source);
      const batch: CompleteRequest[] = [r];
      for (let i = 0; i < pending.length && batch.length < BATCH; ) {
        const other = pending[i] as InferenceRequest;
        if (other.type === "complete" && sourceKey(other.source) === key) {
          batch.push(other);
          pending.splice(i, 1);
        } else i++;
      }
      if (batch.length === 1) await handle(r);
      else await handleBatch(batch);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    draining = false;
  }
}

function streamTo(r: CompleteRequest) {
  return r.stream
    ? (text: string, logprobs?: TokenLogprob[]) => post({ type: "token", id: r.id, text, ...(logprobs ? { logprobs } : {}) })
    : undefined;
}

/** Completions of one model, decoded together where it can (else one after another). */
async function handleBatch(batch: CompleteRequest[]): Promise<void> {
  let m: LoadedModel;
  try {
    m = await model((batch[0] as CompleteRequest).source);
  } catch (error) {
    for (const r of batch) post({ type: "error", id: r.id, error: serialize(error) });
    return;
  }
  if (!m.completeBatch) {
    for (const r of batch) await handle(r);
    return;
  }
  let results: Array<Completion | Error>;
  try {
    results = m.completeBatch(batch.map((r) => ({ messages: r.messages, tools: r.tools, sampling: r.sampling, onToken: streamTo(r) })));
  } catch (error) {
    for (const r of batch) post({ type: "error", id: r.id, error: serialize(error) });
    return;
  }
  batch.forEach((r, i) => {
    const result = results[i];
    if (result instanceof Error) post({ type: "error", id: r.id, error: serialize(result) });
    else if (result) post({ type: "done", id: r.id, completion: result });
  });
}

async function handle(r: InferenceRequest): Promise<void> {
  try {
    const m = await model(r.source);
    if (r.type === "count") post({ type: "count", id: r.id, tokens: m.countPromptTokens(r.messages, r.tools) });
    else if (r.type === "embed") {
      if (!m.embed) throw new EmbeddingsUnsupportedError();
      post({ type: "embed", id: r.id, ...m.embed(r.inputs) });
    } else {
      post({ type: "done", id: r.id, completion: m.complete(r.messages, r.tools, r.sampling, streamTo(r)) });
    }
  } catch (error) {
    post({ type: "error", id: r.id, error: serialize(error) });
  }
}
