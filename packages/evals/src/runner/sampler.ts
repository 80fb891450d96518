import type OpenAI from "openai";
import { z } from "zod";
import { ReasoningEffort } from "./reasoning-effort.ts";

/**
 * Chat-completions sampling parameters (OpenAI's names). `tools` apply to items that bring none of their own;
 * `reasoning_effort` is for reasoning models (a model that refuses it is asked without it, see ParameterFallbacks).
 */
export const SamplingParams = z.object({
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  max_tokens: z.number().int().positive().optional(),
  max_completion_tokens: z.number().int().positive().optional(),
  seed: z.number().int().optional(),
  stop: z.union([z.string(), z.array(z.string())]).optional(),
  response_format: z.looseObject({ type: z.string() }).optional(),
  tools: z.array(z.unknown()).optional(),
  reasoning_effort: ReasoningEffort.optional(),
});
export type SamplingParams = z.infer<typeof SamplingParams>;

/** Where samples come from: chat completions of `model` through an `openai` client (any provider's `baseURL`). */
export interface Sampler {
  client: OpenAI;
  model: string;
  samplingParams?: SamplingParams;
}

/** Deterministic requests (temperature 0 or a seed) may be answered from the completion cache. */
export function isDeterministic(params: SamplingParams | undefined): boolean {
  return params?.temperature === 0 || params?.seed !== undefined;
}
