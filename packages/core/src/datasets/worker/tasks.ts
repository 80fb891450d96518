import type { ImportInput, ImportResult } from "../import-dataset.ts";
import type { SplitInput, SplitResult } from "../set-test-split.ts";
import type { CanonicalFile } from "../validate-data-file.ts";
import type { DataSource } from "../validation/jsonl-lines.ts";
import type { ValidateOptions } from "../validation/validate-options.ts";

/** Work a dataset worker does: an import or a test split into a workspace (by its home), or a validation. */
export type DatasetTask =
  | { kind: "import"; home: string; input: ImportInput }
  | { kind: "split"; home: string; input: SplitInput }
  | { kind: "validate"; source: DataSource; options: ValidateOptions };

export interface TaskResults {
  import: ImportResult;
  split: SplitResult;
  validate: CanonicalFile;
}

export type TaskResult<T extends DatasetTask> = TaskResults[T["kind"]];
