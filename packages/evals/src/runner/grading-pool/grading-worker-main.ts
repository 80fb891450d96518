// A grading pool's worker thread: grades batches of samples with the pool's pure graders (no model, no user code), as
// `gradeSample` does on the main thread, and posts the grades back. It loads the graders only, never core or storage.
// It runs at a lower priority than the main thread (first import: while loading its modules too).
import "./lower-priority.ts";
import { parentPort, workerData } from "node:worker_threads";
import type { Grade } from "../../grade.ts";
import { bindGrader } from "../../graders/registry.ts";
import { gradeSample } from "../grade-sample.ts";
import type { GradingReply, GradingTask, GradingWorkerData } from "./protocol.ts";

const port = parentPort;
if (!port) throw new Error("grading-worker-main runs in a worker thread");
const graders = (workerData as GradingWorkerData).configs.map((config) => bindGrader(config));

port.on("message", async (task: GradingTask) => {
  let reply: GradingReply;
  try {
    const grades: Record<string, Grade>[] = [];
    for (const job of task.jobs) grades.push(await gradeSample(graders, job.sample, job.item, undefined));
    reply = { id: task.id, grades };
  } catch (error) {
    reply = { id: task.id, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
