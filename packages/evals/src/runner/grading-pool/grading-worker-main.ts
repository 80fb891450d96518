// A grading pool's worker thread: grades batches of samples with the pool's pure graders (`gradingServer`) and posts the
// grades back. It loads the graders only, never core or storage.
// It runs at a lower priority than the main thread (first import: while loading its modules too).
import "./lower-priority.ts";
import { parentPort, workerData } from "node:worker_threads";
import { gradingServer } from "./grading-server.ts";
import type { GradingTask, GradingWorkerData } from "./protocol.ts";

const port = parentPort;
if (!port) throw new Error("grading-worker-main runs in a worker thread");
const serve = gradingServer((workerData as GradingWorkerData).configs);
port.on("message", async (task: GradingTask) => port.postMessage(await serve(task)));
