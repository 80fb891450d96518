import type { ImportInput } from "../import-dataset.ts";
import type { ImportResult } from "../import-result.schema.ts";
import type { SplitInput } from "../set-test-split.ts";
import type { SplitResult } from "../split-result.schema.ts";

/** Work a dataset worker does: an import or a test split into a workspace (by its home and database location). */
export type DatasetTask =
  | { kind: "import"; home: string; database: string; input: ImportInput }
  | { kind: "split"; home: string; database: string; input: SplitInput };

export interface TaskResults {
  import: ImportResult;
  split: SplitResult;
}

export type TaskResult<T extends DatasetTask> = TaskResults[T["kind"]];
