import { ValidationReport } from "@tunelab/formats";
import { z } from "zod";
import { DatasetVersion } from "./dataset.schema.ts";
import { ImportResult, InvalidImport } from "./import-result.schema.ts";
import { TrainingLeakage } from "./leakage/leakage.ts";

/** The project's test split as set from a file (or found identical to the current one). */
export const TestSplitSet = z.object({
  status: z.enum(["created", "unchanged"]),
  test: DatasetVersion,
  report: ValidationReport,
  /** With a test fraction: the rest of the file, imported as a training version. */
  train: ImportResult.optional(),
  /** Training versions stored before this split that hold its items (each also a `training_leakage` warning in the report). */
  trainingLeakage: z.array(TrainingLeakage),
});
export type TestSplitSet = z.infer<typeof TestSplitSet>;

export const SplitResult = z.union([InvalidImport, TestSplitSet]);
export type SplitResult = z.infer<typeof SplitResult>;
