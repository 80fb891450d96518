import type OpenAI from "openai";
import type { CompletionUsage } from "openai/resources/completions";
import type { z } from "zod";
import type { Grade } from "../grade.ts";
import type { EvalItem, Sample } from "../item.ts";
import type { ModelGraderSettingsInput } from "./model-grader-settings.ts";

/** What a grader may use besides the sample and the item. */
export interface GraderContext {
  /** Provider client for model graders (score_model, label_model) and embeddings (text_similarity cosine). */
  client?: OpenAI;
  /** Embedding model for cosine similarity (default text-embedding-3-large, as OpenAI's). */
  embeddingModel?: string;
  signal?: AbortSignal;
  /** Each model-grader request's deadline and retries (`ModelGraderSettings`; default 60 s, 3 attempts). */
  modelGrader?: ModelGraderSettingsInput;
  /** Milliseconds a python or custom grader may run before it is killed. */
  timeoutMs?: number;
  /** The Python interpreter for `python` graders (default `python3` on PATH). */
  python?: string;
  /** Memory cap of a python grader (address space, default 1024) or a custom grader (JS heap, default 512), in MB. */
  memoryMb?: number;
  /** Bytes a python or custom grader may write to stdout or stderr per grade (default 1 MB); past it the grade errors. */
  maxOutputBytes?: number;
  /** Called with the token usage of every model-grader request, for per-model usage totals. */
  onUsage?: (model: string, usage: CompletionUsage) => void;
}

/**
 * One grader type: a zod schema for its config (OpenAI's JSON shape) and the grading function.
 * `grade` throws `GraderError` for errored grades; the caller turns that into `{error}`.
 */
export interface Grader<Config extends { type: string }> {
  type: Config["type"];
  config: z.ZodType<Config>;
  grade(config: Config, sample: Sample, item: EvalItem, context: GraderContext): Promise<Grade>;
}
