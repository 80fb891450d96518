import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { isMainThread } from "node:worker_threads";
import { type CompletionCache, type RunnerGrader, type RunProgress, runEval, type SamplingParams, type ScoredItem } from "@tunelab/evals";
import type OpenAI from "openai";
import { nowIso } from "../shared/time.ts";
import type { Workspace } from "../storage/workspace.ts";
import { addSamplingNotes, getEvalRun, insertSamples, runSamples, sampleKeys, updateEvalRun } from "./eval-run.repository.ts";
import type { EvalRun } from "./eval-run.schema.ts";
import { countStoredSamples, finalizeRun, toScoredItem } from "./finalize/finalize-run.ts";
import { type FinalizeWorker, finalizeInWorker, OFF_THREAD_SAMPLES, startFinalizeWorker } from "./finalize/off-thread.ts";
import { pauseAutoCheckpoints } from "./finalize/wal-checkpoints.ts";
import { testItems } from "./test-items.ts";

export interface ExecuteEvalRunOptions {
  client: OpenAI;
  graders: RunnerGrader[];
  /** Grader whose mean score ranks runs. */
  primaryMetric: string;
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (progress: RunProgress) => void;
  rateLimits?: { requestsPerMinute?: number; tokensPerMinute?: number };
  /** Completion cache for deterministic requests (temperature 0 or a seed). */
  cache?: CompletionCache;
}

export { boardGraders } from "./finalize/finalize-run.ts";
export { RunAggregates } from "./run-aggregates.schema.ts";

/** The abort reason of a run whose process is stopping (not a cancel): the run stays unfinished, to be resumed. */
export const RUN_STOPPED = Symbol("tunelab.run-stopped");

/**
 * Runs (or resumes) an eval run: items already stored are skipped, each finished item is stored (in batches, one
 * transaction each) before it counts, and when every item is stored the run's aggregates (per grader, per tag, with
 * intervals) are computed from the database, so a resumed run never double-counts.
 */
export async function executeEvalRun(ws: Workspace, runId: string, options: ExecuteEvalRunOptions): Promise<EvalRun> {
  const run = await getEvalRun(ws.db, runId);
  if (run.status === "completed" || run.status === "cancelled") return run;
  // A large run is finalized in a worker thread, which also grades (the pool's first thread) and, on SQLite,
  // checkpoints the WAL meanwhile so this thread's commits never wait for the disk's fsyncs. It is started before the
  // items are read, from the run's total (items x trials, stored when the run was created), so that its start-up
  // (loading its modules, ~300 ms of CPU) overlaps reading them instead of delaying the first grades; the items read
  // decide in the end (a total that was wrong starts it, or stops it, once they are read).
  let worker: FinalizeWorker | undefined;
  let checkpoints: Awaited<ReturnType<typeof pauseAutoCheckpoints>>;
  const grading = options.graders.some((grader) => grader.config !== undefined);
  const startWorker = async () => {
    checkpoints = await pauseAutoCheckpoints(ws.db);
    worker = startFinalizeWorker({ ...(checkpoints ? { checkpoint: ws.database } : {}), ...(grading ? { grading } : {}) });
  };
  const stopWorker = async () => {
    worker?.close();
    worker = undefined;
    await checkpoints?.resume();
    checkpoints = undefined;
  };
  if (isMainThread && run.resultCounts.total >= OFF_THREAD_SAMPLES) await startWorker();
  try {
    const items = await testItems(ws, run.testSplitVersionId, { inlineImages: true });
    // Each step of setting up a large run takes milliseconds (~6 to index 10,000 items), and SQLite's queries resolve
    // without a turn of the event loop: the loop gets one between them, so they never add up to a long block.
    await yieldToEventLoop();
    const positions = new Map(items.map((item, i) => [item.id, i]));
    await updateEvalRun(ws.db, runId, { status: "running", total: items.length * run.trials });
    const large = isMainThread && items.length * run.trials >= OFF_THREAD_SAMPLES;
    if (large && !worker) await startWorker();
    else if (!large && worker) await stopWorker();
    const result = await runEval({
      items,
      sampler: { client: options.client, model: run.model, samplingParams: run.samplingParams as SamplingParams },
      graders: options.graders,
      trials: run.trials,
      concurrency: options.concurrency ?? 8,
      skip: await sampleKeys(ws.db, runId),
      // the finalize worker also grades, as the pool's first thread: one thread (and its memory) fewer for the run
      ...(worker ? { gradingHost: worker.gradingHost() } : {}),
      keepRecords: false, // every record is stored as it finishes; the aggregates are computed from the database
      // finished items are stored in batches, one transaction each (an item counts once its batch is committed)
      onSamples: async (records) => {
        const stored = await insertSamples(
          ws.db,
          runId,
          records.map((record) => ({ position: positions.get(record.item_id) ?? 0, record })),
        );
        // the finalize worker reads each committed row now, while the run grades, rather than all of them at the end
        worker?.stored(stored);
      },
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
      ...(options.cache ? { cache: options.cache } : {}),
    });
    await addSamplingNotes(ws.db, runId, result.samplingNotes);
    if (result.status === "cancelled") {
      // a process that stops leaves the run unfinished for the next one to resume; a cancel ends it
      if (options.signal?.reason !== RUN_STOPPED) await updateEvalRun(ws.db, runId, { status: "cancelled", finished_at: nowIso() });
      return getEvalRun(ws.db, runId);
    }
    // a run large enough for the worker started above is finalized there (no second count of its samples)
    await finalizeEvalRun(ws, runId, options.primaryMetric, worker ? { worker, offThread: true } : {});
    return getEvalRun(ws.db, runId);
  } finally {
    await stopWorker();
  }
}

export interface FinalizeOptions {
  /**
   * Compute in a worker thread (true) or here (false). Default: in a worker when the run has `OFF_THREAD_SAMPLES`
   * stored samples or more and this is the main thread, so large runs never block the event loop.
   */
  offThread?: boolean;
  /** A finalize worker started ahead of time, used when computing off the main thread. */
  worker?: FinalizeWorker;
}

/** Computes and stores a run's counts and aggregates from its stored samples. */
export async function finalizeEvalRun(ws: Workspace, runId: string, primaryMetric: string, options: FinalizeOptions = {}): Promise<void> {
  const offThread = options.offThread ?? (isMainThread && (await countStoredSamples(ws.db, runId)) >= OFF_THREAD_SAMPLES);
  const task = { home: ws.home, database: ws.database, runId, primaryMetric };
  if (offThread) await (options.worker ? options.worker.finalize(task) : finalizeInWorker(task));
  else await finalizeEvalRunHere(ws, runId, primaryMetric);
}

/** `finalizeEvalRun` on this thread. */
export async function finalizeEvalRunHere(ws: Workspace, runId: string, primaryMetric: string): Promise<void> {
  await finalizeRun(ws.db, runId, primaryMetric);
}

export async function scoredItems(ws: Workspace, runId: string): Promise<ScoredItem[]> {
  return (await runSamples(ws.db, runId)).map(toScoredItem);
}
