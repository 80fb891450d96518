/**
 * The inference worker: loads models (most recently used kept) and runs chat completions, so tokenising and decoding
 * never block the HTTP server's thread; the completions of one model that wait together are decoded together.
 */

import { parentPort } from "node:worker_threads";
import { TunelabError } from "@tunelab/base";
import { openHfModel } from "../../hf/load.ts";
import { machineMemoryBytes } from "../../hf/machine-memory.ts";
import { ContextLengthExceededError } from "../../trainer/inference/context-length.ts";
import { openModel } from "../../trainer/inference/load.ts";
import type { TokenLogprob } from "../../trainer/inference/logprobs.ts";
import type { LoadedModel } from "../../trainer/types.ts";
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

/** Completions a batch takes in: an eval run's concurrency (8 by default). */
const BATCH = 8;
/**
 * What a batch's key/value caches may hold before it takes no more in (its first completion always runs): a 7B model's
 * caches take some 0.26 MB a token each, which eight long requests together would make gigabytes on a laptop.
 */
const CACHE_BUDGET = Math.min(2 * 1024 ** 3, machineMemoryBytes() / 8);

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

// In arrival order (loading a model is asynchronous), but completions of one model are decoded together: a batch
// (LoadedModel.startBatch) takes in the completions of its model waiting in the queue between two of its steps, and
// answers each as soon as it ends, while the others go on. Completions behind another request (another model's, a
// count, an embedding) wait for it: it is served once the batch has drained, in arrival order.
const pending: InferenceRequest[] = [];
let draining = false;
parentPort?.on("message", (r: InferenceRequest) => {
  pending.push(r);
  if (!draining) void drain();
});

async function drain(): Promise<void> {
  draining = true;
  try {
    // a turn of the event loop before each request, so that the requests already sent (an eval run's, at once) are all
    // in the queue: the port delivers them only then
    for (await turn(); pending.length > 0; await turn()) {
      const r = pending.shift() as InferenceRequest;
      if (r.type === "complete") await runBatch(r);
      else await handle(r);
    }
  } finally {
    draining = false;
  }
}

function streamTo(r: CompleteRequest) {
  return r.stream
    ? (text: string, logprobs?: TokenLogprob[], reasoning?: boolean) =>
        post({ type: "token", id: r.id, text, ...(logprobs ? { logprobs } : {}), ...(reasoning ? { reasoning: true as const } : {}) })
    : undefined;
}

/** A completion, and those of its model that come while it runs, decoded together where the model can. */
async function runBatch(first: CompleteRequest): Promise<void> {
  let m: LoadedModel;
  try {
    m = await model(first.source);
  } catch (error) {
    post({ type: "error", id: first.id, error: serialize(error) });
    return;
  }
  const batch = m.startBatch?.();
  if (!batch) {
    await handle(first);
    return;
  }
  const key = sourceKey(first.source);
  const admit = (r: CompleteRequest) =>
    batch.add({ messages: r.messages, tools: r.tools, sampling: r.sampling, onToken: streamTo(r) }, (result) =>
      post(
        result instanceof Error ? { type: "error", id: r.id, error: serialize(result) } : { type: "done", id: r.id, completion: result },
      ),
    );
  admit(first);
  while (batch.size > 0) {
    // the completions of this model at the front of the queue join; those behind another request wait for it
    for (
      let r = pending[0];
      r?.type === "complete" && sourceKey(r.source) === key && batch.size < BATCH && batch.cacheBytes < CACHE_BUDGET;
      r = pending[0]
    )
      admit(pending.shift() as CompleteRequest);
    try {
      batch.step();
    } catch (error) {
      // a fault of the decoder itself (each request's own failures are its own answers): every live one gets it
      batch.fail(error instanceof Error ? error : new Error(String(error)));
    }
    await turn();
  }
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
