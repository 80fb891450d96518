import { z } from "zod";

/**
 * The `data.early_stopping` of the embedded engine's job event when a job stopped early (tunelab's extension of
 * OpenAI's fine-tuning events, written beside the event's message): validation stopped improving for `patience`
 * validations in a row (those from `counted_from_step` on), so training ended at `step` and the tuned model keeps the
 * weights of `best_step`. The engine writes it; core reads it back through the events endpoint.
 */
export const EarlyStoppingEventData = z.object({
  step: z.number().int().nonnegative(),
  best_step: z.number().int().nonnegative(),
  best_valid_loss: z.number(),
  best_valid_mean_token_accuracy: z.number(),
  patience: z.number().int().positive(),
  counted_from_step: z.number().int().nonnegative(),
});
export type EarlyStoppingEventData = z.infer<typeof EarlyStoppingEventData>;
