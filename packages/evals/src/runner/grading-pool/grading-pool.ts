import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { TunelabError, workerEntry } from "@tunelab/base";
import type { Grade } from "../../grade.ts";
import type { GraderConfig } from "../../graders/registry.ts";
import type { EvalItem, Sample } from "../../item.ts";
import { type GradingMessage, type GradingReply, type GradingTask, type GradingWorkerData, isGradingReply } from "./protocol.ts";

/** Samples sent to a worker in one message at most (a batch is also sent on the next turn of the event loop). */
export const GRADING_BATCH = 64;

/**
 * A grading worker's young generation, in MiB. Grading allocates short-lived strings and arrays only, and V8's default
 * lets a busy isolate's young generation grow to tens of MiB, all of it resident while the run lasts. 4 MiB: the graders
 * bench's peak RSS went from 210-212 to 201-202 MiB (10,000 items x 4 graders, compiled child, three runs each), with
 * no slower grading (2 and 8 MiB: 204-206 and 203-204).
 */
export const GRADING_YOUNG_GENERATION_MB = 4;

/**
 * How long a worker may take over one batch of samples, in ms. Pure graders take microseconds a sample; a batch still
 * unanswered after this is stuck (a regular expression with nested quantifiers such as `(a+)+` on a long sample, in a
 * `regex` grader or a JSON Schema `pattern`, backtracks for hours): the worker is stopped and the run fails, naming the
 * items, instead of waiting for ever.
 */
export const GRADING_DEADLINE_MS = 30_000;

export interface GradingPoolOptions {
  /** `GRADING_DEADLINE_MS` unless given. */
  deadlineMs?: number;
}

/**
 * Worker threads of a pool by default: one per core but the main thread's (it samples, posts and stores, usually the
 * busier side), at least one, at most 3; so every core works and no thread waits for a core.
 */
export function defaultGradingThreads(): number {
  return Math.max(1, Math.min(3, availableParallelism() - 1));
}

/**
 * The grading worker's entry: the `.mjs` stub (registers tsx) from the TypeScript sources, the compiled
 * `grading-worker.js` beside the bundle when running compiled (apps/cli/scripts/build.mjs; apps/cli/test/compiled.test.ts
 * checks it starts from the build).
 */
const ENTRY = workerEntry("grading-worker", new URL("./grading-worker.mjs", import.meta.url));

interface Waiting {
  resolve(grades: Record<string, Grade>): void;
  reject(error: Error): void;
}

interface Task {
  /** Who waits for each of its jobs, in order. */
  waiting: Waiting[];
  /** Fails the pool when the task is not answered within the deadline. */
  deadline: NodeJS.Timeout;
}

interface PoolWorker {
  worker: Worker;
  /** Started by the caller (`host`): the pool neither terminates it nor keeps listening to it once closed. */
  hosted: boolean;
  /** Tasks posted and not answered, by id. */
  tasks: Map<number, Task>;
  /** Stops listening to the worker. */
  detach(): void;
}

/**
 * Worker threads that grade samples with pure graders (`isPureGrader`), so grading runs on every core while the main
 * thread samples and stores. Samples are batched (`GRADING_BATCH`, or what accumulated until the next turn of the
 * event loop) and each batch goes to the worker with the fewest tasks in flight. Each worker grades exactly as
 * `gradeSample` does here, so a grade does not depend on the thread that computed it.
 *
 * `host`: a worker thread the caller started for work of its own that also grades (its entry answers messages for which
 * `isGradingMessage` holds with `gradingServer`), e.g. an eval run's finalize worker. It counts as one of the `threads`,
 * so a run starts one thread fewer (each costs about 10 MiB before it loads anything); the pool sends it the graders
 * and does not terminate it.
 */
export class GradingPool {
  private readonly workers: PoolWorker[];
  private queue: { job: GradingTask["jobs"][number]; waiting: Waiting }[] = [];
  private scheduled = false;
  private nextId = 0;
  private failure: Error | undefined;
  /** Replies received and not yet answered (see `answerNext`). */
  private replies: { entry: PoolWorker; reply: GradingReply }[] = [];
  private answering = false;
  private readonly deadlineMs: number;

  constructor(
    configs: readonly GraderConfig[],
    threads: number = defaultGradingThreads(),
    host?: Worker,
    options: GradingPoolOptions = {},
  ) {
    this.deadlineMs = options.deadlineMs ?? GRADING_DEADLINE_MS;
    const workerData: GradingWorkerData = { configs: [...configs] };
    const own = Array.from({ length: Math.max(1, threads) - (host ? 1 : 0) }, () =>
      this.attach(
        new Worker(ENTRY, {
          workerData,
          resourceLimits: { maxYoungGenerationSizeMb: GRADING_YOUNG_GENERATION_MB },
        }),
        false,
      ),
    );
    if (host) host.postMessage({ kind: "graders", configs: [...configs] } satisfies GradingMessage);
    this.workers = host ? [this.attach(host, true), ...own] : own;
  }

  private attach(worker: Worker, hosted: boolean): PoolWorker {
    const onMessage = (reply: unknown) => {
      if (!isGradingReply(reply)) return;
      this.replies.push({ entry, reply });
      if (!this.answering) {
        this.answering = true;
        setImmediate(() => this.answerNext());
      }
    };
    const onError = (error: Error) =>
      this.fail(entry, new TunelabError("internal", `grading worker failed: ${error.message}`, { cause: error }));
    const onExit = (code: number) => this.fail(entry, new TunelabError("internal", `grading worker stopped (exit code ${code})`));
    worker.on("message", onMessage);
    worker.once("error", onError);
    worker.once("exit", onExit);
    const entry: PoolWorker = {
      worker,
      hosted,
      tasks: new Map(),
      detach: () => {
        worker.off("message", onMessage);
        worker.off("error", onError);
        worker.off("exit", onExit);
      },
    };
    return entry;
  }

  /** The grades of every pool grader for one sample, by grader name (the config's `name`). */
  grade(sample: Sample, item: EvalItem): Promise<Record<string, Grade>> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ job: { sample, item }, waiting: { resolve, reject } });
      if (this.queue.length >= GRADING_BATCH) this.send();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.send();
        });
      }
    });
  }

  /** Stops the workers; samples still waiting are rejected. */
  async close(): Promise<void> {
    const closed = new TunelabError("internal", "the grading pool was closed");
    this.failure ??= closed;
    for (const entry of this.workers) this.rejectAll(entry, closed);
    for (const { waiting } of this.queue) waiting.reject(closed);
    this.queue = [];
    for (const entry of this.workers) entry.detach();
    await Promise.all(this.workers.filter((entry) => !entry.hosted).map((entry) => entry.worker.terminate()));
  }

  private send(): void {
    while (this.queue.length > 0 && !this.failure) {
      const batch = this.queue.splice(0, GRADING_BATCH);
      const target = this.workers.reduce((best, entry) => (entry.tasks.size < best.tasks.size ? entry : best));
      const id = this.nextId++;
      const items = batch.map((b) => b.job.item.id);
      const deadline = setTimeout(() => this.timedOut(target, id, items), this.deadlineMs).unref();
      target.tasks.set(id, { waiting: batch.map((b) => b.waiting), deadline });
      target.worker.postMessage({ kind: "grade", id, jobs: batch.map((b) => b.job) } satisfies GradingTask);
    }
  }

  /**
   * Answers one received reply per turn of the event loop. Node delivers every message a worker queued meanwhile in
   * one go, without a turn of the loop in between; answering each there (its samples then recorded and stored) blocked
   * the loop for the whole burst: 35-45 ms when the first replies of a 10,000-item run came together.
   */
  private answerNext(): void {
    const next = this.replies.shift();
    if (next) this.answer(next.entry, next.reply);
    // an immediate queued by an immediate runs on the next turn, after timers and I/O
    if (this.replies.length > 0) setImmediate(() => this.answerNext());
    else this.answering = false;
  }

  private answer(entry: PoolWorker, reply: GradingReply): void {
    const task = entry.tasks.get(reply.id);
    if (!task) return;
    entry.tasks.delete(reply.id);
    clearTimeout(task.deadline);
    const { waiting } = task;
    if ("error" in reply) {
      const error = new TunelabError("internal", `grading worker: ${reply.error}`);
      for (const w of waiting) w.reject(error);
      return;
    }
    waiting.forEach((w, i) => {
      const grades = reply.grades[i];
      if (grades) w.resolve(grades);
      else w.reject(new TunelabError("internal", "grading worker answered fewer grades than samples"));
    });
  }

  private fail(entry: PoolWorker, error: Error): void {
    this.failure ??= error;
    this.rejectAll(entry, error);
    for (const { waiting } of this.queue) waiting.reject(error);
    this.queue = [];
  }

  private rejectAll(entry: PoolWorker, error: Error): void {
    for (const task of entry.tasks.values()) {
      clearTimeout(task.deadline);
      for (const w of task.waiting) w.reject(error);
    }
    entry.tasks.clear();
  }

  /** A task still unanswered at its deadline: its worker is stuck in a grader; it is stopped and the pool fails. */
  private timedOut(entry: PoolWorker, id: number, items: string[]): void {
    if (!entry.tasks.has(id)) return;
    const shown = items.length > 5 ? `${items.slice(0, 5).join(", ")} and ${items.length - 5} more` : items.join(", ");
    const error = new TunelabError(
      "invalid_argument",
      `grading took longer than ${this.deadlineMs / 1000} s on ${items.length} sample(s) (items ${shown}), so grading stopped: ` +
        "a grader is too slow on them (a regular expression with nested quantifiers such as (a+)+, in a regex grader or a " +
        'JSON Schema "pattern", or a similarity metric on very long texts)',
    );
    entry.detach();
    this.fail(entry, error);
    // stuck in a grader's loop: only stopping the thread frees its core (a hosted worker too, the run fails anyway)
    void entry.worker.terminate();
  }
}
