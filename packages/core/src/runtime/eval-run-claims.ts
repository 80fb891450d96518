import { randomUUID } from "node:crypto";
import { Leases, type LeaseWhere, nowSeconds } from "@tunelab/storage";
import type { EvalRunRunner } from "../eval-runs/standalone-runs.ts";
import type { DB } from "../storage/database.ts";
import type { Database } from "../storage/schema.ts";

const UNFINISHED = ["queued", "running"];
type Claimed = { status: string; experiment_id: string | null };
const leases = (db: DB) => Leases.on<Database, Claimed>(db, "eval_runs");
const standaloneLeftToDo: LeaseWhere<Claimed> = (eb) => eb.and([eb("status", "in", UNFINISHED), eb("experiment_id", "is", null)]);

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
 * A worker's claims on standalone eval runs: at most `concurrency` at once, each leased (renewed every third of the
 * lease) while this process runs it and released when it stops, so a killed worker's run is taken over by another.
 */
export class EvalRunClaims {
  private readonly owner = randomUUID();
  private readonly held = new Map<string, Promise<void>>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly db: DB,
    private readonly runner: EvalRunRunner,
    private readonly concurrency: number,
    private readonly leaseSeconds: number,
  ) {
    this.timer = setInterval(
      () =>
        void leases(db)
          .renew([...this.held.keys()], this.owner, leaseSeconds)
          .catch(() => {}),
      leaseSeconds * 333,
    );
    this.timer.unref();
  }

  /** Claims and starts runs into the free slots; `onClaim` gets each one's id and a promise of its end. */
  async claimWork(onClaim?: (runId: string, done: Promise<unknown>) => void): Promise<string[]> {
    const taken: string[] = [];
    const free = this.concurrency - this.held.size;
    if (free <= 0) return taken;
    for (const id of await claimableEvalRuns(this.db, free)) {
      if (this.held.has(id)) continue;
      if (!(await leases(this.db).claim(id, this.owner, this.leaseSeconds, { claimable: standaloneLeftToDo }))) continue;
      const done = this.runner.run(id);
      const released = done
        .catch(() => {})
        .then(() => leases(this.db).release(id, this.owner))
        .catch(() => {})
        .finally(() => this.held.delete(id));
      this.held.set(id, released);
      taken.push(id);
      onClaim?.(id, done);
    }
    return taken;
  }

  /** Stops renewing; waits for the runs in flight (the runner's close aborts them) to give their leases back. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.runner.close();
    await Promise.allSettled([...this.held.values()]);
  }
}
