import type { DatasetExample } from "../example.ts";
import type { DatasetFormat } from "../format/format.ts";
import { type DataSource, jsonlLines } from "./jsonl-lines.ts";
import { type ExampleHandler, JsonlValidator } from "./jsonl-validator.ts";
import type { ValidationReport } from "./report.ts";
import type { ValidateOptions } from "./validate-options.ts";

export type { DataSource } from "./jsonl-lines.ts";
export { DEFAULT_CONTEXT_LIMIT, MIN_TRAINING_EXAMPLES, type ValidateOptions } from "./validate-options.ts";

export interface ValidatedFile {
  format: DatasetFormat;
  examples: DatasetExample[];
  report: ValidationReport;
}

/**
 * Validates a JSONL source line by line (a file is streamed), handing each valid example to `onExample`; keeps
 * nothing per example itself beyond what duplicate detection and statistics need.
 */
export function validateSource(
  source: DataSource,
  options: ValidateOptions,
  onExample?: ExampleHandler,
): { format: DatasetFormat; report: ValidationReport } {
  const validator = new JsonlValidator(options, onExample);
  for (const line of jsonlLines(source)) validator.push(line);
  return validator.finish();
}

/**
 * Validates a whole JSONL file the way OpenAI's data-preparation checks do, line numbers in every finding, and keeps
 * its examples in memory (for files that fit; `validateSource` streams). Give bytes rather than text where you can:
 * only bytes show whether the file is really UTF-8.
 */
export function validateJsonl(source: string | Uint8Array, options: ValidateOptions): ValidatedFile {
  const byFormat = new Map<DatasetFormat, DatasetExample[]>();
  const { format, report } = validateSource(typeof source === "string" ? { text: source } : { bytes: source }, options, (example, own) => {
    const list = byFormat.get(own) ?? [];
    byFormat.set(own, list);
    list.push(example);
  });
  return { format, examples: byFormat.get(format) ?? [], report };
}
