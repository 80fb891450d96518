import { z } from "zod";

/**
 * The provider's job stopped before its last planned step because validation stopped improving (the embedded engine's
 * early stopping on a validation file): training ended at `step`, and the tuned model keeps the weights of `bestStep`,
 * not the last step's. `message` is the job's own sentence saying so.
 */
export const EarlyStop = z.object({
  step: z.number().int().nonnegative(),
  bestStep: z.number().int().nonnegative(),
  bestValidLoss: z.number(),
  message: z.string(),
});
export type EarlyStop = z.infer<typeof EarlyStop>;
