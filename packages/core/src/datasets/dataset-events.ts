import { z } from "zod";

/** A dataset version was stored (by `tunelab data import`, `split`, the API or the demo): pages listing versions refresh. */
export const DatasetEvent = z.object({
  type: z.literal("dataset-version"),
  project: z.string(),
  dataset: z.string(),
  /** `train@3` */
  ref: z.string(),
  versionId: z.string(),
  exampleCount: z.number().int(),
});
export type DatasetEvent = z.infer<typeof DatasetEvent>;
