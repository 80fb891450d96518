import { nowSeconds } from "@tunelab/storage";
import type { EvalRunRunner } from "../eval-runs/standalone-runs.ts";
import type { DB } from "../storage/database.ts";

const UNFINISHED = ["queued", "running"];

/** Standalone eval runs (not an experiment's) left to do that no live worker holds, oldest first. */
export async function claimableEvalRuns(db: DB, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom("eval_runs")
    .select("id")
    .where("status", "in", UNFINISHED)
    .where("experiment_id", "is", null)
    .where((eb) => eb.or([eb("lease_owner", "is", null), eb("lease_expires_at", "is", null), eb("lease_expires_at", "<", nowSeconds())]))
    .orderBy("created_at")
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

/**
 * A worker's claims on standalone eval runs: at most `concurrency` at once. The runner takes each run's lease (renewed
 * while it runs, released when it stops), so a killed worker's run is taken over by another and a run another live
 * process executes is left alone.
 */
export class EvalRunClaims {
  private readonly held = new Map<string, Promise<unknown>>();

  constructor(
    private readonly db: DB,
    private readonly runner: EvalRunRunner,
    private readonly concurrency: number,
  ) {}

  /** Claims and starts runs into the free slots; `onClaim` gets each one's id and a promise of its end. */
  async claimWork(onClaim?: (runId: string, done: Promise<unknown>) => void): Promise<string[]> {
    const taken: string[] = [];
    const free = this.concurrency - this.held.size;
    if (free <= 0) return taken;
    for (const id of await claimableEvalRuns(this.db, free)) {
      if (this.held.has(id)) continue;
      const started = await this.runner.start(id);
      if (!started) continue;
      const { done } = started;
      this.held.set(
        id,
        done.catch(() => {}).finally(() => this.held.delete(id)),
      );
      taken.push(id);
      onClaim?.(id, done);
    }
    return taken;
  }

  /** Stops the runs in flight (the runner's close aborts them); they give their leases back. */
  async close(): Promise<void> {
    await this.runner.close();
    await Promise.allSettled([...this.held.values()]);
  }
}
