import { z } from "zod";

/** Why a completion never succeeded; the item's grades are then errored, never failed. */
export const SampleErrorType = z.enum([
  "rate_limited",
  "server_error",
  "timeout",
  "connection_error",
  "malformed_response",
  "http_error",
  "other_error",
]);
export type SampleErrorType = z.infer<typeof SampleErrorType>;

export const SampleError = z.object({
  type: SampleErrorType,
  message: z.string(),
  /** HTTP status, when there was a response. */
  status: z.number().int().optional(),
});
export type SampleError = z.infer<typeof SampleError>;
