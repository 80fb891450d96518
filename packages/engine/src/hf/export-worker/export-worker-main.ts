// The export worker: runs one `exportTunedModel` (loading, merging, encoding and writing gigabytes, all synchronous) off
// the thread that started it, posting its progress, then its result or its error.
import { parentPort, workerData } from "node:worker_threads";
import { isTunelabError } from "@tunelab/base";
import { exportTunedModel } from "../export.ts";
import type { ExportWorkerData, ExportWorkerMessage } from "./protocol.ts";

const port = parentPort;
if (!port) throw new Error("export-worker-main runs in a worker thread");
const post = (message: ExportWorkerMessage) => port.postMessage(message);

try {
  const result = await exportTunedModel({
    ...(workerData as ExportWorkerData),
    onProgress: (progress) => post({ type: "progress", progress }),
  });
  post({ type: "done", result });
} catch (error) {
  post(
    isTunelabError(error)
      ? { type: "failed", code: error.code, message: error.message, details: error.details }
      : { type: "failed", code: undefined, message: error instanceof Error ? error.message : String(error), details: undefined },
  );
}
