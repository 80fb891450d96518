import { z } from "zod";

export const DiffEntry = z.object({
  /** 1-based line in the version's canonical file. */
  line: z.number().int(),
  hash: z.string(),
  example: z.unknown(),
});
export type DiffEntry = z.infer<typeof DiffEntry>;

/** Examples added and removed going from one version to another, by content hash. */
export const VersionDiff = z.object({
  from: z.string(),
  to: z.string(),
  added: z.array(DiffEntry),
  removed: z.array(DiffEntry),
  unchanged: z.number().int(),
});
export type VersionDiff = z.infer<typeof VersionDiff>;
