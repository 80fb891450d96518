import { redactUrl } from "@tunelab/storage";
import type { Experiment } from "../experiments/experiment.schema.ts";
import { EvalRunClaims } from "./eval-run-claims.ts";
import type { Runtime } from "./open-runtime.ts";

/** What a worker takes on: experiments (`train`, with their evaluation) and standalone eval runs (`eval`). */
export const WORK_KINDS = ["train", "eval"] as const;
export type WorkKind = (typeof WORK_KINDS)[number];

export interface WorkLoopOptions {
  kinds: readonly WorkKind[];
  /** How often the database is asked for claimable work, ms (default 1000). */
  pollMs?: number;
  /** Standalone eval runs run at once (default 2); experiments use the runtime's concurrency. */
  evalConcurrency?: number;
  /** Called when this worker claims an experiment (and `done` settles when it stops working on it). */
  onClaim?: (experimentId: string, done: Promise<Experiment>) => void;
  /** Called when this worker claims a standalone eval run. */
  onClaimEvalRun?: (runId: string, done: Promise<unknown>) => void;
  /**
   * Called when claiming work starts failing (the database cannot be reached, is locked, …): once, not at every poll,
   * then again as a reminder every `claimErrorReminderMs` while it keeps failing.
   */
  onClaimError?: (report: ClaimFailure) => void;
  /** Called once when claiming works again after failing. */
  onClaimRecovered?: (report: ClaimRecovery) => void;
  /** While claiming keeps failing, how often `onClaimError` is called again, ms (default 5 minutes). */
  claimErrorReminderMs?: number;
}

/** Claiming work failed: the database (a PostgreSQL URL with its password redacted, or the SQLite file) and the error. */
export interface ClaimFailure {
  database: string;
  error: unknown;
  /** The error's message, on one line. */
  message: string;
  /** Failed claim attempts in a row so far (1 the first time). */
  failures: number;
  /** When the first of them failed (ms since the epoch). */
  since: number;
  /** A repeat of an earlier report while claiming still fails. */
  reminder: boolean;
}

/** Claiming works again after `failures` failed attempts since `since`. */
export interface ClaimRecovery {
  database: string;
  failures: number;
  since: number;
}

const DEFAULT_CLAIM_ERROR_REMINDER_MS = 5 * 60_000;

const oneLine = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, " ").trim() || "unknown error";

/**
 * A worker's loop: until `signal` aborts, claims unfinished experiments (`train`) and standalone eval runs (`eval`)
 * that no live process holds (never claimed, or whose holder stopped renewing its lease: a killed worker) into the free
 * slots, and runs them. Leases are heartbeated while the work runs; on abort the eval runs in flight stop and release
 * theirs, and closing the runtime afterwards releases the experiments', so the work stays resumable elsewhere.
 */
export async function runWorkLoop(runtime: Runtime, options: WorkLoopOptions, signal: AbortSignal): Promise<void> {
  const pollMs = options.pollMs ?? 1_000;
  let wake: (() => void) | undefined;
  const woken = () => wake?.();
  signal.addEventListener("abort", woken, { once: true });
  const evalRuns = options.kinds.includes("eval")
    ? new EvalRunClaims(runtime.ws.db, runtime.evalRuns, options.evalConcurrency ?? 2)
    : undefined;
  const refill = (done: Promise<unknown>) => void done.finally(woken).catch(() => {});
  const database = redactUrl(runtime.ws.database);
  const reminderMs = options.claimErrorReminderMs ?? DEFAULT_CLAIM_ERROR_REMINDER_MS;
  // failed claim attempts in a row: reported once when they start (and as a reminder now and then), and when they end
  let failing: { failures: number; since: number; reportedAt: number } | undefined;
  const claimed = (failure: { error: unknown } | undefined) => {
    const now = Date.now();
    if (failure === undefined) {
      if (failing) options.onClaimRecovered?.({ database, failures: failing.failures, since: failing.since });
      failing = undefined;
      return;
    }
    const first = failing === undefined;
    failing ??= { failures: 0, since: now, reportedAt: now };
    failing.failures += 1;
    if (!first && now - failing.reportedAt < reminderMs) return;
    failing.reportedAt = now;
    const { error } = failure;
    options.onClaimError?.({
      database,
      error,
      message: oneLine(error),
      failures: failing.failures,
      since: failing.since,
      reminder: !first,
    });
  };
  try {
    while (!signal.aborted) {
      let failure: { error: unknown } | undefined;
      if (options.kinds.includes("train")) {
        await runtime.experiments
          .claimWork((id, done) => {
            options.onClaim?.(id, done);
            // a freed slot is filled at once rather than at the next poll
            refill(done);
          })
          .catch((e: unknown) => {
            failure ??= { error: e };
          });
      }
      if (evalRuns && !signal.aborted) {
        await evalRuns
          .claimWork((id, done) => {
            options.onClaimEvalRun?.(id, done);
            refill(done);
          })
          .catch((e: unknown) => {
            failure ??= { error: e };
          });
      }
      if (signal.aborted) break;
      claimed(failure);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    signal.removeEventListener("abort", woken);
    // eval runs in flight stop and give their leases back before the caller closes the workspace
    await evalRuns?.close();
  }
}
