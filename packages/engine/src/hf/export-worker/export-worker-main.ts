// The export worker: runs one export (loading, merging, encoding and writing gigabytes, all synchronous) off the thread
// that started it, posting its progress, then its result or its error (`answerFromWorker`).
import { parentPort, workerData } from "node:worker_threads";
import { answerFromWorker } from "@tunelab/base";
import { exportTunedModel } from "../export.ts";
import { exportBaseModel } from "../export-base.ts";
import type { ExportTask } from "../export-off-thread.ts";

const task = workerData as ExportTask;
await answerFromWorker(parentPort, async (progress) => ({
  result:
    task.kind === "base"
      ? await exportBaseModel({ ...task.options, onProgress: progress })
      : await exportTunedModel({ ...task.options, onProgress: progress }),
}));
