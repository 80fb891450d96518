// The work loop reports claim failures: once when claiming starts failing (then a reminder every
// `claimErrorReminderMs`, not at every poll) and once when it works again. A real workspace whose experiments table is
// renamed away makes every claim fail, as a lost database does, and renaming it back makes claiming work again.
import { redactUrl } from "@tunelab/storage";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { tempWorkspace } from "../test-support/temp-workspace.ts";
import { openRuntime, type Runtime } from "./open-runtime.ts";
import { type ClaimFailure, type ClaimRecovery, runWorkLoop } from "./work-loop.ts";

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function setup() {
  const ws = await tempWorkspace();
  const runtime = openRuntime({ ws });
  cleanup.push(ws.dispose, () => runtime.close());
  return runtime;
}

const renameExperiments = (runtime: Runtime, from: string, to: string) =>
  sql`alter table ${sql.table(from)} rename to ${sql.table(to)}`.execute(runtime.ws.db);

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; !check(); i++) {
    if (i > 2_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("runWorkLoop: claim failures", () => {
  it("reports a failure once, naming the database, and the recovery once", async () => {
    const runtime = await setup();
    const failures: ClaimFailure[] = [];
    const recoveries: ClaimRecovery[] = [];
    const stop = new AbortController();
    const loop = runWorkLoop(
      runtime,
      { kinds: ["train"], pollMs: 5, onClaimError: (r) => failures.push(r), onClaimRecovered: (r) => recoveries.push(r) },
      stop.signal,
    );
    await renameExperiments(runtime, "experiments", "experiments_away");
    await until(() => failures.length > 0, "the failure report");
    // polls go on failing; the last recovery report counts them
    await new Promise((r) => setTimeout(r, 100));
    await renameExperiments(runtime, "experiments_away", "experiments");
    await until(() => recoveries.length > 0, "the recovery report");
    stop.abort();
    await loop;
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ database: redactUrl(runtime.ws.database), failures: 1, reminder: false });
    expect(failures[0]?.message).toMatch(/experiments/);
    expect(failures[0]?.message).not.toContain("\n");
    expect(recoveries).toHaveLength(1);
    expect(recoveries[0]?.failures).toBeGreaterThanOrEqual(1);
    expect(recoveries[0]?.since).toBe(failures[0]?.since);
  });

  it("reminds while claiming keeps failing, counting the failed attempts", async () => {
    const runtime = await setup();
    const failures: ClaimFailure[] = [];
    const stop = new AbortController();
    await renameExperiments(runtime, "experiments", "experiments_away");
    const loop = runWorkLoop(
      runtime,
      { kinds: ["train"], pollMs: 5, claimErrorReminderMs: 0, onClaimError: (r) => failures.push(r) },
      stop.signal,
    );
    await until(() => failures.length >= 3, "two reminders");
    stop.abort();
    await loop;
    await renameExperiments(runtime, "experiments_away", "experiments");
    expect(failures.slice(0, 3).map((f) => [f.failures, f.reminder])).toEqual([
      [1, false],
      [2, true],
      [3, true],
    ]);
  });
});
