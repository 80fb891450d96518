import { z } from "zod";
import { Experiment } from "./experiment.schema.ts";

export const CreatedExperiment = z.object({
  experiment: Experiment,
  /** False when an identical experiment (same config hash) already existed and was returned instead. */
  created: z.boolean(),
});
export type CreatedExperiment = z.infer<typeof CreatedExperiment>;
