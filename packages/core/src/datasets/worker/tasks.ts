import type { ImportInput, ImportResult } from "../import-dataset.ts";
import type { SplitInput, SplitResult } from "../set-test-split.ts";

/** Work a dataset worker does: an import or a test split into a workspace (by its home). */
export type DatasetTask = { kind: "import"; home: string; input: ImportInput } | { kind: "split"; home: string; input: SplitInput };

export interface TaskResults {
  import: ImportResult;
  split: SplitResult;
}

export type TaskResult<T extends DatasetTask> = TaskResults[T["kind"]];
