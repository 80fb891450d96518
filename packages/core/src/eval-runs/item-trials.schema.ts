import { ItemTrialStats } from "@tunelab/evals/stats";
import { z } from "zod";

/** One test item of a run with trials: per grader, its pass rate, mean score and variance over the trials. */
export const ItemTrials = z.object({
  itemId: z.string(),
  tags: z.array(z.string()),
  /** Trials stored for the item (errored ones included). */
  trials: z.number().int(),
  /** Trials whose sampling or grading errored. */
  errored: z.number().int(),
  graders: z.record(z.string(), ItemTrialStats),
});
export type ItemTrials = z.infer<typeof ItemTrials>;
