import { sql } from "kysely";
import type { DB } from "../storage/database.ts";

/**
 * Time spent training, measured by whoever follows the job: the span between two polls that both saw the job
 * `running` (or the second saw it finish) is added to the experiment's `training_seconds` as it goes. Time
 * nobody could see — the process that trained and followed was down, the provider did not answer — is not counted,
 * so a crash and the hours before `tunelab exp run` resumes it are not training time; nor is the time queued.
 */
export class TrainingClock {
  private since: number | undefined;

  constructor(
    private readonly db: DB,
    private readonly experimentId: string,
  ) {}

  /** One poll's answer: the job's status and, once finished, its `finished_at` (seconds). */
  async observe(status: string, finishedAt: number | null | undefined, now = Date.now()): Promise<void> {
    if (this.since !== undefined) {
      const end = status === "running" || !finishedAt ? now : Math.min(now, finishedAt * 1000);
      const seconds = Math.max(0, end - this.since) / 1000;
      if (seconds > 0) await addTrainingSeconds(this.db, this.experimentId, seconds);
    }
    this.since = status === "running" ? now : undefined;
  }

  /** A poll that failed: what happens until the next answer is not known to be training. */
  lost(): void {
    this.since = undefined;
  }
}

export async function addTrainingSeconds(db: DB, experimentId: string, seconds: number): Promise<void> {
  await db
    .updateTable("experiments")
    .set({ training_seconds: sql<number>`coalesce(training_seconds, 0) + ${seconds}` })
    .where("id", "=", experimentId)
    .execute();
}
