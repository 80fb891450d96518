import { z } from "zod";
import { DatasetFormat } from "../format/format.ts";
import { DatasetStats } from "../stats/dataset-stats.ts";
import { ValidationIssue } from "./issue.ts";

export const ValidationReport = z.object({
  file: z.string(),
  format: DatasetFormat,
  lines: z.number().int(),
  examples: z.number().int(),
  errors: z.number().int(),
  warnings: z.number().int(),
  issues: z.array(ValidationIssue),
  stats: DatasetStats,
});
export type ValidationReport = z.infer<typeof ValidationReport>;

export function isValid(report: ValidationReport): boolean {
  return report.errors === 0;
}
