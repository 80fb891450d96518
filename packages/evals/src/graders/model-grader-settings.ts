import { z } from "zod";
import { DEFAULT_RETRY_POLICY } from "../runner/backoff.ts";

/** A model grader's request is abandoned after this long (ms) by default, its body included. */
export const MODEL_GRADER_TIMEOUT_MS = 60_000;
/** Requests to a grader model per grade, the first included, by default. */
export const MODEL_GRADER_MAX_ATTEMPTS = 3;

/**
 * How a model grader (score_model, label_model) asks its model: each request's deadline and how many times it is
 * retried with the runner's backoff (timeouts, 429, 5xx, connection errors and malformed bodies, as the runner retries
 * a sample; a server's Retry-After is honoured up to `maxRetryAfterMs`). The one schema of these settings: the type,
 * its input and the defaults come from it.
 */
export const ModelGraderSettings = z.strictObject({
  timeoutMs: z.number().int().positive().max(3_600_000).default(MODEL_GRADER_TIMEOUT_MS),
  maxAttempts: z.number().int().min(1).max(20).default(MODEL_GRADER_MAX_ATTEMPTS),
  baseDelayMs: z.number().int().min(0).default(DEFAULT_RETRY_POLICY.baseDelayMs),
  maxDelayMs: z.number().int().min(0).default(DEFAULT_RETRY_POLICY.maxDelayMs),
  maxRetryAfterMs: z.number().int().min(0).default(DEFAULT_RETRY_POLICY.maxRetryAfterMs),
});
export type ModelGraderSettings = z.infer<typeof ModelGraderSettings>;
export type ModelGraderSettingsInput = z.input<typeof ModelGraderSettings>;

/** `60 s`, `1.5 s`, `200 ms`. */
export function formatDuration(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(3))} s` : `${ms} ms`;
}
