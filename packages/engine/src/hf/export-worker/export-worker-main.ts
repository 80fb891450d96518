// The export worker: runs one `exportTunedModel` (loading, merging, encoding and writing gigabytes, all synchronous) off
// the thread that started it, posting its progress, then its result or its error (`answerFromWorker`).
import { parentPort, workerData } from "node:worker_threads";
import { answerFromWorker } from "@tunelab/base";
import { type ExportOptions, exportTunedModel } from "../export.ts";

await answerFromWorker(parentPort, async (progress) => ({
  result: await exportTunedModel({ ...(workerData as Omit<ExportOptions, "onProgress">), onProgress: progress }),
}));
