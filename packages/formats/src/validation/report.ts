import { z } from "zod";
import { DatasetFormat } from "../format/format.ts";
import { DatasetStats } from "../stats/dataset-stats.ts";
import { IssueCode, ValidationIssue } from "./issue.ts";

export const ValidationReport = z.object({
  file: z.string(),
  format: DatasetFormat,
  lines: z.number().int(),
  examples: z.number().int(),
  errors: z.number().int(),
  warnings: z.number().int(),
  /** The first instances of each code (at most MAX_ISSUES_PER_CODE), in line order. */
  issues: z.array(ValidationIssue),
  /** How many findings of each code the file has, listed or not. */
  issueCounts: z.partialRecord(IssueCode, z.number().int()),
  stats: DatasetStats,
});
export type ValidationReport = z.infer<typeof ValidationReport>;

export function isValid(report: ValidationReport): boolean {
  return report.errors === 0;
}
