// first: this thread runs below the main thread while it loads its modules and finalizes (background-priority.ts)
import "@tunelab/evals/lower-priority";
import { parentPort, workerData } from "node:worker_threads";
import { isTunelabError } from "@tunelab/base";
import { openDatabase } from "../../storage/database.ts";
import { finalizeRun } from "./finalize-run.ts";
import type { FinalizeMessage, FinalizeReply, FinalizeTask, FinalizeWorkerData } from "./off-thread.ts";
import { StoredScores } from "./stored-scores.ts";
import { startCheckpoints } from "./wal-checkpoints.ts";

/** Finalizes one run with this worker's own connection to the workspace's database (WAL: the main thread keeps reading). */
async function run(task: FinalizeTask, gathered: StoredScores): Promise<void> {
  const db = openDatabase(task.database);
  try {
    await finalizeRun(db, task.runId, task.primaryMetric, gathered);
  } finally {
    await db.destroy();
  }
}

const port = parentPort;
if (!port) throw new Error("finalize-worker-main runs in a worker thread");
// Started ahead of time (modules loaded while the run grades, the WAL checkpointed meanwhile when asked, each batch's
// rows read as it commits); the task arrives when every sample is stored.
const { checkpoint } = (workerData ?? {}) as FinalizeWorkerData;
const checkpoints = checkpoint === undefined ? undefined : startCheckpoints(checkpoint);
const gathered = new StoredScores();
const onMessage = async (message: FinalizeMessage) => {
  if (message.kind === "stored") {
    for (const row of message.rows) gathered.add(row);
    return;
  }
  port.off("message", onMessage);
  try {
    await checkpoints?.stop();
    await run(message.task, gathered);
    port.postMessage({ ok: true } satisfies FinalizeReply);
  } catch (error) {
    const reply: FinalizeReply = isTunelabError(error)
      ? { ok: false, error: { message: error.message, code: error.code } }
      : { ok: false, error: { message: (error as Error).message ?? String(error) } };
    port.postMessage(reply);
  }
};
port.on("message", onMessage);
