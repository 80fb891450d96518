/**
 * The inference worker: loads models (most recently used kept) and runs chat completions one at a
 * time, so tokenising and decoding never block the HTTP server's thread.
 */

import { parentPort } from "node:worker_threads";
import { TunelabError } from "@tunelab/base";
import { openHfModel } from "../../hf/load.ts";
import { ContextLengthExceededError } from "../../trainer/inference/context-length.ts";
import { openModel } from "../../trainer/inference/load.ts";
import type { TokenLogprob } from "../../trainer/inference/logprobs.ts";
import type { LoadedModel } from "../../trainer/types.ts";
import { EmbeddingsUnsupportedError } from "./embeddings-unsupported.ts";
import { type InferenceReply, type InferenceRequest, type ModelSource, type SerializedError, sourceKey } from "./protocol.ts";

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

// One request at a time, in arrival order (loading a model is asynchronous).
let queue: Promise<void> = Promise.resolve();
parentPort?.on("message", (r: InferenceRequest) => {
  queue = queue.then(() => handle(r));
});

async function handle(r: InferenceRequest): Promise<void> {
  try {
    const m = await model(r.source);
    if (r.type === "count") post({ type: "count", id: r.id, tokens: m.countPromptTokens(r.messages, r.tools) });
    else if (r.type === "embed") {
      if (!m.embed) throw new EmbeddingsUnsupportedError();
      post({ type: "embed", id: r.id, ...m.embed(r.inputs) });
    } else {
      const onToken = r.stream
        ? (text: string, logprobs?: TokenLogprob[]) => post({ type: "token", id: r.id, text, ...(logprobs ? { logprobs } : {}) })
        : undefined;
      post({ type: "done", id: r.id, completion: m.complete(r.messages, r.tools, r.sampling, onToken) });
    }
  } catch (error) {
    post({ type: "error", id: r.id, error: serialize(error) });
  }
}
