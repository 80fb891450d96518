import { z } from "zod";

/**
 * How hard a reasoning model (OpenAI's o-series, gpt-5 and later) thinks before it answers: OpenAI's `reasoning_effort`
 * values, from `none` to `max` (the `openai` SDK's ReasoningEffort; OpenAI's grader reference lists `max` too). One
 * schema for an eval run's sampling and a model grader's `sampling_params`. Which values a model takes is the model's
 * business: a non-reasoning model refuses the parameter (see ParameterFallbacks).
 */
export const REASONING_EFFORTS = ["none", "minimal", "low", "medium", "high", "xhigh", "max"] as const;
export const ReasoningEffort = z.enum(REASONING_EFFORTS);
export type ReasoningEffort = z.infer<typeof ReasoningEffort>;
