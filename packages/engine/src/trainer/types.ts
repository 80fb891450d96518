/**
 * The contract between the engine's job system (REST surface, queue, persistence) and the CPU trainer.
 * The trainer owns the model math, the tokenizer and the on-disk model format; the job system owns
 * files, jobs, events, checkpoints bookkeeping and the HTTP surface.
 */

/** A named base model size: architecture of a decoder-only transformer. */
export interface ModelSpec {
  name: string;
  vocabSize: number;
  dModel: number;
  nLayers: number;
  nHeads: number;
  contextLength: number;
}

/** One chat example as the trainer sees it (OpenAI chat format, already validated). */
export interface ChatExample {
  messages: Array<{
    role: string;
    content?: unknown;
    weight?: 0 | 1;
    tool_calls?: unknown[];
    tool_call_id?: string;
    name?: string;
  }>;
  tools?: unknown[];
}

export interface Hyperparameters {
  nEpochs: number;
  batchSize: number;
  /** Multiplier on the model size's base learning rate. */
  learningRateMultiplier: number;
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
  /** Base size to start from, or a tuned model directory to continue from. */
  base: { spec: ModelSpec } | { modelDir: string };
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
}

export interface TrainResult {
  finalModelDir: string;
  trainedTokens: number;
  steps: number;
}

export interface SamplingParams {
  maxTokens: number;
  temperature: number;
  topP: number;
  seed?: number;
  stop?: string[];
}

export interface Completion {
  text: string;
  finishReason: "stop" | "length";
  promptTokens: number;
  completionTokens: number;
}

/** An OpenAI tool call parsed from the model's serialized assistant text. */
export interface ParsedToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** What `src/trainer/index.ts` provides to the job system (added by the lead; the trainer implements it). */
export interface TrainingHandle {
  onStep(listener: (metrics: StepMetrics) => void): void;
  onCheckpoint(listener: (dir: string, step: number, metrics: StepMetrics) => void): void;
  result: Promise<TrainResult>;
  cancel(): void;
}

export interface LoadedModel {
  contextLength: number;
  /**
   * Completes a chat. `onToken` receives text pieces as they are decoded. When the model emitted tool calls
   * in its serialized form, `toolCalls` holds them parsed (and `text` is the raw text).
   */
  complete(
    messages: ChatExample["messages"],
    tools: unknown[] | undefined,
    sampling: SamplingParams,
    onToken?: (text: string) => void,
  ): Completion & { toolCalls?: ParsedToolCall[] };
}

/**
 * Expected exports of `src/trainer/index.ts`:
 *   BASE_MODELS: Record<string, ModelSpec>   // local-tiny, local-small, local-base
 *   resolveHyperparameters(nExamples, { n_epochs?, batch_size?, learning_rate_multiplier? } each number | "auto")
 *     -> { n_epochs: number; batch_size: number; learning_rate_multiplier: number }
 *   startTraining(request: TrainRequest): TrainingHandle
 *   loadModel(from: { dir: string } | { spec: ModelSpec }): Promise<LoadedModel>   // a base spec = seeded random weights
 */
