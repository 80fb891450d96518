/** Messages between the engine's request thread and its inference worker (see client.ts). */
import type { TokenLogprob } from "../../trainer/inference/logprobs.ts";
import type { ChatExample, Completion, ModelSpec, SamplingParams } from "../../trainer/types.ts";

/** Where a model's weights come from; a plain object so it crosses the thread boundary. */
export type ModelSource =
  | { kind: "base"; spec: ModelSpec }
  | { kind: "dir"; dir: string }
  | { kind: "hf"; dir: string; fingerprint: string }
  | { kind: "lora"; dir: string; baseDir: string; baseWeights?: "q8_0" | "q4_0" };

export const sourceKey = (s: ModelSource): string =>
  s.kind === "base" ? `base:${s.spec.name}` : s.kind === "hf" ? `hf:${s.dir}:${s.fingerprint}` : `${s.kind}:${s.dir}`;

export interface CompleteRequest {
  type: "complete";
  id: number;
  source: ModelSource;
  messages: ChatExample["messages"];
  tools: unknown[] | undefined;
  sampling: SamplingParams;
  stream: boolean;
}

export interface CountRequest {
  type: "count";
  id: number;
  source: ModelSource;
  messages: ChatExample["messages"];
  tools: unknown[] | undefined;
}

export interface EmbedRequest {
  type: "embed";
  id: number;
  source: ModelSource;
  inputs: (string | number[])[];
}

export type InferenceRequest = CompleteRequest | CountRequest | EmbedRequest;

export interface SerializedError {
  name: string;
  message: string;
  /** A TunelabError's code (what the request did wrong: `invalid_argument`, …), so it is answered as such. */
  code?: string;
  /** The request field a TunelabError names (its `details.param`: `tools`, `messages`). */
  param?: string;
  promptTokens?: number;
  contextLength?: number;
  atLeast?: boolean;
}

export type InferenceReply =
  | { type: "token"; id: number; text: string; logprobs?: TokenLogprob[]; reasoning?: true }
  | { type: "done"; id: number; completion: Completion }
  | { type: "count"; id: number; tokens: number }
  | { type: "embed"; id: number; vectors: Float32Array[]; promptTokens: number }
  | { type: "error"; id: number; error: SerializedError };
