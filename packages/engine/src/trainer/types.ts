/**
 * The contract between the engine's job system (REST surface, queue, persistence) and the CPU trainer.
 * The trainer owns the model math, the tokenizer and the on-disk model format; the job system owns
 * files, jobs, events, checkpoints bookkeeping and the HTTP surface.
 */

import type { TokenLogprob } from "./inference/logprobs.ts";
import type { VisionSpec } from "./vision/spec.ts";

/** A named base model size: architecture of a decoder-only transformer. */
export interface ModelSpec {
  name: string;
  vocabSize: number;
  dModel: number;
  nLayers: number;
  nHeads: number;
  contextLength: number;
  /** Present on models trained with images: the patch-embedding front end (vision/spec.ts). */
  vision?: VisionSpec;
}

/** One chat example as the trainer sees it (OpenAI chat format, already validated). */
export interface ChatExample {
  messages: Array<{
    role: string;
    content?: unknown;
    weight?: 0 | 1 | undefined;
    tool_calls?: unknown[] | undefined;
    tool_call_id?: string | undefined;
    name?: string | undefined;
  }>;
  tools?: unknown[] | undefined;
}

/** One line of OpenAI's DPO data: a prompt and two responses, the preferred first. */
export interface PreferenceExample {
  input: { messages: ChatExample["messages"]; tools?: unknown[] | undefined };
  preferred_output: ChatExample["messages"];
  non_preferred_output: ChatExample["messages"];
}

export interface Hyperparameters {
  nEpochs: number;
  batchSize: number;
  /** Multiplier on the model size's base learning rate. */
  learningRateMultiplier: number;
  /** Loss weight of prompt tokens relative to assistant tokens (default 0: assistant tokens only). */
  promptLossWeight?: number;
  /**
   * Early stopping (needs a validation set): stop after this many validations in a row without
   * improvement and keep the best validation's weights. Absent or 0: off.
   */
  earlyStoppingPatience?: number;
}

/** Why a run stopped before its last step (early stopping on the validation set). */
export interface EarlyStop {
  /** The step training stopped at. */
  step: number;
  /** The step whose weights the final model has (the best validation). */
  bestStep: number;
  bestValidLoss: number;
  bestValidMeanTokenAccuracy: number;
  patience: number;
  /** The first step whose validation counted toward patience (earlier ones did not; see train/early-stopping.ts). */
  countFrom: number;
  /** One sentence for the job's events. */
  reason: string;
}

export interface StepMetrics {
  step: number;
  totalSteps: number;
  trainLoss: number;
  trainMeanTokenAccuracy: number;
  /** Present on steps where validation ran. */
  validLoss?: number;
  validMeanTokenAccuracy?: number;
  /** Assistant (loss-bearing) tokens processed so far. */
  trainedTokens: number;
}

export interface TrainRequest {
  /**
   * Base size to start from, a tuned model directory to continue from (a `local-*` model or a LoRA
   * adapter of an open-weight base), or a registered open-weight base (Hugging Face directory).
   */
  base:
    | { spec: ModelSpec }
    | { modelDir: string }
    | {
        hf: {
          name: string;
          dir: string;
          fingerprint: string;
          /** What the base was registered from (`hf:ORG/NAME[@REV]` or a folder), recorded with the tuned model. */
          source?: string;
          files?: Array<{ name: string; bytes: number; sha256: string }>;
        };
      };
  /** Supervised (default) or DPO on `preferences` (OpenAI's preference data) with its `beta`. */
  method?: { type: "supervised" } | { type: "dpo"; beta: number };
  /** DPO pairs (method dpo): training and validation. */
  preferences?: { training: PreferenceExample[]; validation?: PreferenceExample[] };
  /** Open-weight bases: train every weight instead of LoRA adapters (small models). */
  fullFineTune?: boolean;
  /** LoRA settings for open-weight bases (PEFT's r, lora_alpha, lora_dropout, target_modules). */
  lora?: {
    rank: number;
    alpha: number;
    dropout: number;
    targets: string[];
    /** The frozen base in 8-bit Q8 or 4-bit Q4 blocks while it trains (and when the tuned model serves); absent: as stored. */
    baseWeights?: "q8_0" | "q4_0";
  };
  training: ChatExample[];
  validation?: ChatExample[];
  hyperparameters: Hyperparameters;
  seed: number;
  /** Where to write checkpoints (`<dir>/step-<n>/`) and the final model (`<dir>/final/`). */
  outputDir: string;
  /** Checkpoint every this many steps (and always at the end). */
  checkpointEvery: number;
  /** Resume from this checkpoint directory (written earlier by the same request). */
  resumeFrom?: string;
  /** Residual dropout rate during training (default 0: off). */
  dropout?: number;
  /**
   * Open-weight bases: the saved activations of a batch above which each layer's are recomputed in the backward pass
   * (gradient checkpointing; default a quarter of the machine's memory, at least 1 GiB).
   */
  activationBudgetBytes?: number;
}

export interface TrainResult {
  finalModelDir: string;
  trainedTokens: number;
  steps: number;
  /** Metrics of the last step (with validation figures when a validation set was given). */
  metrics: StepMetrics;
  /** Present when early stopping ended the run before its last step. */
  earlyStop?: EarlyStop;
}

export interface SamplingParams {
  maxTokens: number;
  temperature: number;
  topP: number;
  seed?: number;
  stop?: string[];
  /** Report each generated token's log-probability with this many alternatives (0–20); absent: none. */
  logprobs?: number;
  /** OpenAI's `response_format` other than text: the output is constrained to a JSON object, or a document of the schema. */
  responseFormat?: ResponseFormat;
  /**
   * Variables for an open-weight model's chat template (vLLM's `chat_template_kwargs`; Qwen3's and SmolLM3's
   * `enable_thinking` false from OpenAI's `reasoning_effort` "none" or "minimal"); the local-* models have none.
   */
  templateVariables?: Record<string, unknown>;
  /** OpenAI's `tool_choice` "required" or a named function: the output is tool calls only (json/tool-call-machine.ts). */
  forcedToolCall?: { names: string[]; parameters?: unknown; parallel: boolean };
  /** OpenAI's penalties (−2 to 2) and `logit_bias` (token id → −100 to 100), applied as in inference/logit-adjust.ts. */
  frequencyPenalty?: number;
  presencePenalty?: number;
  logitBias?: Record<string, number>;
}

export type ResponseFormat = { type: "json_object" } | { type: "json_schema"; schema?: unknown };

/** A tool call as OpenAI returns it in `choices[].message.tool_calls`. */
export interface ToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export interface Completion {
  /** The assistant's content (without serialized tool calls; "" when it only calls tools). */
  text: string;
  /** Tool calls the model wrote; absent when it wrote none. */
  toolCalls?: ToolCall[];
  finishReason: "stop" | "length" | "tool_calls";
  promptTokens: number;
  /** Prompt tokens not read again: their key/value rows came from the model's prefix cache (open-weight models). */
  cachedTokens?: number;
  completionTokens: number;
  /** What a reasoning model wrote before its answer (`<think>` … `</think>`), which `text` leaves out; and its tokens. */
  reasoning?: string;
  reasoningTokens?: number;
  /** One entry per generated content token (OpenAI's `logprobs.content`), when requested. */
  logprobs?: TokenLogprob[];
}

/**
 * Streamed content: the text generated since the last call, and the logprobs of the tokens behind it (when asked); with
 * `reasoning`, the text is a reasoning model's reasoning, not its answer (hf/model/reasoning.ts).
 */
export type OnToken = (text: string, logprobs?: TokenLogprob[], reasoning?: boolean) => void;

export interface LoadedModel {
  spec: ModelSpec;
  contextLength: number;
  /** Parameter count. */
  parameters: number;
  /**
   * Generates the assistant's reply. Greedy at temperature 0; otherwise reproducible for a given
   * `sampling.seed`. `onToken` receives content text as it is generated (not tool-call text), with the logprobs of
   * the tokens generated since its last call when `sampling.logprobs` is set.
   */
  complete(messages: ChatExample["messages"], tools: unknown[] | undefined, sampling: SamplingParams, onToken?: OnToken): Completion;
  /**
   * Completions decoded together, joining and leaving as they come, where the model can (open-weight models: each is
   * the completion `complete` gives it alone).
   */
  startBatch?(): CompletionBatch;
  /** Prompt tokens the messages would take (for usage accounting and validation). */
  countPromptTokens(messages: ChatExample["messages"], tools?: unknown[]): number;
  /** Unit-length text embeddings of each input (text, or token ids), where the model offers them (open-weight models). */
  embed?(inputs: readonly (string | readonly number[])[]): { vectors: Float32Array[]; promptTokens: number };
}

/** Completions of one model decoded together (LoadedModel.startBatch; hf/model/generate.ts HfBatch). */
export interface CompletionBatch {
  /** Completions still generating. */
  readonly size: number;
  /** Bytes their key/value caches hold (what decoding them together costs beyond the model). */
  readonly cacheBytes: number;
  /** Feeds a request's prompt; `done` gets its completion (or its error) when it ends, maybe at once. */
  add(
    request: { messages: ChatExample["messages"]; tools: unknown[] | undefined; sampling: SamplingParams; onToken?: OnToken | undefined },
    done: (result: Completion | Error) => void,
  ): void;
  /** Decodes one token of every completion still generating. */
  step(): void;
  /** Ends every completion still generating with this error. */
  fail(error: Error): void;
}

/** Same shape as ToolCall (the job system's name for it). */
export type ParsedToolCall = ToolCall;

/** What `startTraining()` returns (src/trainer/train/start.ts). */
/** Something the job's events should say about the run (e.g. examples longer than the training context). */
export interface TrainingNotice {
  level: "info" | "warn";
  message: string;
  data: Record<string, unknown>;
}

export interface TrainingHandle {
  onStep(listener: (metrics: StepMetrics) => void): void;
  /** Notices about the run, once each, when it starts (not again when it resumes from a checkpoint). */
  onNotice(listener: (notice: TrainingNotice) => void): void;
  onCheckpoint(listener: (dir: string, step: number, metrics: StepMetrics) => void): void;
  /** Resolves when the final model is written; rejects with TrainingCancelledError after cancel(). */
  result: Promise<TrainResult>;
  /** Stops at the next step boundary (checkpoints already written stay on disk). */
  cancel(): void;
  /**
   * Stops at the next step boundary after writing a checkpoint of the step reached (`result` rejects with
   * TrainingPausedError): a run resumed from it ends with the weights of a run never paused. A cancel wins.
   */
  pause(): void;
}

/**
 * Exports of `src/trainer/index.ts` (also as "@tunelab/engine/trainer"):
 *   BASE_MODELS: Record<string, ModelSpec>   // local-tiny, local-small, local-base
 *   resolveHyperparameters(nExamples, { n_epochs?, batch_size?, learning_rate_multiplier?, prompt_loss_weight? } each number | "auto")
 *     -> { n_epochs; batch_size; learning_rate_multiplier; prompt_loss_weight } (numbers)
 *   startTraining(request: TrainRequest): TrainingHandle
 *   loadModel(from: string | { dir: string } | { spec: ModelSpec }): Promise<LoadedModel>   // a base spec = seeded random weights
 *   parseToolCalls(text), TrainingCancelledError, NativeKernelsMissingError
 */
