import { countedWorkerTask, runWorkerTask, workerEntry } from "@tunelab/base";
import { withBytesOnDisk } from "@tunelab/formats";
import type { DatasetTask, TaskResult } from "./tasks.ts";

/** Runs an import or a test split in a fresh worker thread (its bytes spilled to a temporary file first). */
export async function runDatasetTask<T extends DatasetTask>(task: T): Promise<TaskResult<T>> {
  const entry = workerEntry("dataset-worker", new URL("./dataset-worker.mjs", import.meta.url));
  return countedWorkerTask(() => withBytesOnDisk(task.input, (input) => runWorkerTask<TaskResult<T>>(entry, { ...task, input })));
}
