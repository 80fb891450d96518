import { ValidationReport } from "@tunelab/formats";
import { z } from "zod";
import { DatasetVersion } from "./dataset.schema.ts";
import { LeakageReport } from "./leakage/leakage.ts";

/** A file with errors: nothing was written; the report says why. */
export const InvalidImport = z.object({ status: z.literal("invalid"), report: ValidationReport });
export type InvalidImport = z.infer<typeof InvalidImport>;

/** A file stored as the next version of a dataset, or found identical to the latest one. */
export const ImportedVersion = z.object({
  status: z.enum(["created", "unchanged"]),
  version: DatasetVersion,
  report: ValidationReport,
  leakage: LeakageReport.optional(),
  projectCreated: z.boolean(),
});
export type ImportedVersion = z.infer<typeof ImportedVersion>;

export const ImportResult = z.union([InvalidImport, ImportedVersion]);
export type ImportResult = z.infer<typeof ImportResult>;
