import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DataSource } from "../validation/jsonl-lines.ts";
import type { DatasetTask } from "./tasks.ts";

/**
 * Runs a task whose file came as bytes with those bytes in a temporary file instead (written off the event loop by
 * the thread pool): handing a worker 25 MB through `workerData` copies them on this thread, a stall as long as a
 * second on a busy machine. The worker streams the file like any other; it is removed afterwards.
 */
export async function withBytesOnDisk<T>(task: DatasetTask, run: (task: DatasetTask) => Promise<T>): Promise<T> {
  const source: DataSource = task.kind === "validate" ? task.source : task.input;
  if (!("bytes" in source)) return run(task);
  const dir = await mkdtemp(join(tmpdir(), "tunelab-data-"));
  try {
    const path = join(dir, "data.jsonl");
    await writeFile(path, source.bytes);
    return await run(withPath(task, path));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function withPath(task: DatasetTask, path: string): DatasetTask {
  switch (task.kind) {
    case "validate":
      return { ...task, source: { path } };
    case "import": {
      const { bytes: _bytes, ...options } = task.input as typeof task.input & { bytes: Uint8Array };
      return { ...task, input: { ...options, path } };
    }
    case "split": {
      const { bytes: _bytes, ...options } = task.input as typeof task.input & { bytes: Uint8Array };
      return { ...task, input: { ...options, path } };
    }
  }
}
