// The eval run's finalize worker: checkpoints the WAL while the run stores its samples, reads each committed batch of
// rows, finalizes the run at its end, and meanwhile grades as the run's grading pool's first thread (`gradingHost`).
// first: this thread runs below the main thread while it loads its modules and finalizes (background-priority.ts)
import "@tunelab/evals/lower-priority";
import { parentPort, workerData } from "node:worker_threads";
import { isTunelabError } from "@tunelab/base";
import { type GradingReply, type GradingTask, isGradingMessage } from "@tunelab/evals/grading-protocol";
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
const { checkpoint, grading } = (workerData ?? {}) as FinalizeWorkerData;
/** The grading modules, loaded as the worker starts when the run will grade here, else when the graders arrive. */
let gradingServer = grading ? import("@tunelab/evals/grading-server") : undefined;
gradingServer?.catch(() => {}); // a failure to load is answered to each grading task (below), not thrown here
const checkpoints = checkpoint === undefined ? undefined : startCheckpoints(checkpoint);
const gathered = new StoredScores();
/**
 * Grading, when the run's grading pool grades in this thread too (`gradingHost`): the graders (and zod, which their
 * configs' schemas need) are loaded as the worker starts when it was told the run grades here (`grading`), else when
 * the pool sends them, so a run that grades elsewhere never loads them here.
 */
let grade: Promise<(task: GradingTask) => Promise<GradingReply>> | undefined;
const onGrading = async (message: unknown) => {
  if (!isGradingMessage(message)) return;
  if (message.kind === "graders") {
    const { configs } = message;
    gradingServer ??= import("@tunelab/evals/grading-server");
    grade = gradingServer.then((loaded) => loaded.gradingServer(configs));
    return;
  }
  const reply: GradingReply = grade
    ? await grade.then(
        (serve) => serve(message),
        (error: Error) => ({ kind: "graded", id: message.id, error: `could not load the graders: ${error.message}` }),
      )
    : { kind: "graded", id: message.id, error: "no graders were sent before a task" };
  port.postMessage(reply);
};
port.on("message", onGrading);
const onMessage = async (message: FinalizeMessage) => {
  if (message.kind !== "stored" && message.kind !== "finalize") return;
  if (message.kind === "stored") {
    gathered.addBatch(message.batch);
    return;
  }
  port.off("message", onMessage);
  try {
    await checkpoints?.stop();
    await run(message.task, gathered);
    port.postMessage({ kind: "finalized", ok: true } satisfies FinalizeReply);
  } catch (error) {
    const reply: FinalizeReply = isTunelabError(error)
      ? { kind: "finalized", ok: false, error: { message: error.message, code: error.code } }
      : { kind: "finalized", ok: false, error: { message: (error as Error).message ?? String(error) } };
    port.postMessage(reply);
  }
};
port.on("message", onMessage);
