import { z } from "zod";

/** One step of an experiment's training curve: loss and token accuracy on the training batch and, when validated, on the validation file. */
export const TrainingMetric = z.object({
  experiment_id: z.string(),
  step: z.number().int(),
  total_steps: z.number().int().nullable(),
  train_loss: z.number().nullable(),
  train_accuracy: z.number().nullable(),
  valid_loss: z.number().nullable(),
  valid_accuracy: z.number().nullable(),
});
export type TrainingMetric = z.infer<typeof TrainingMetric>;
