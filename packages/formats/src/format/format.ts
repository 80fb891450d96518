import { z } from "zod";

/** The kinds of JSONL file tunelab reads, detected per file. */
export const DatasetFormat = z.enum(["supervised", "preference", "reinforcement"]);
export type DatasetFormat = z.infer<typeof DatasetFormat>;

export const FORMAT_DESCRIPTIONS: Record<DatasetFormat, string> = {
  supervised: "chat SFT lines ({messages, tools?})",
  preference: "DPO lines ({input, preferred_output, non_preferred_output})",
  reinforcement: "RFT lines ({messages ending before the answer, ...extra keys used as {{item.*}}})",
};
