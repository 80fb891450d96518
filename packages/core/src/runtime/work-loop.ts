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
}

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
  try {
    while (!signal.aborted) {
      if (options.kinds.includes("train")) {
        await runtime.experiments
          .claimWork((id, done) => {
            options.onClaim?.(id, done);
            // a freed slot is filled at once rather than at the next poll
            refill(done);
          })
          .catch(() => []);
      }
      if (evalRuns && !signal.aborted) {
        await evalRuns
          .claimWork((id, done) => {
            options.onClaimEvalRun?.(id, done);
            refill(done);
          })
          .catch(() => []);
      }
      if (signal.aborted) break;
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
