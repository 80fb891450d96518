// `tunelab exp run ID` resumes unfinished experiments; on one that had already failed (or was cancelled) it says so and
// how to run the same setup again, instead of showing the old failure as if the run had just happened.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.ts";
import { type SmallTickets, smallTickets } from "./small-tickets.ts";

let tickets: SmallTickets;
let dir: string;
let home: string;
const cli = (args: string[]) => runCli(args, { home, cwd: dir });
beforeAll(() => {
  tickets = smallTickets("tunelab-exp-run-finished-");
  ({ dir, home } = tickets);
}, 120_000);
afterAll(() => tickets?.remove());

describe("tunelab exp run on an experiment that had already ended", () => {
  it("says it had already failed or been cancelled and how to run the setup again, on stderr", () => {
    // a learning rate 100 times the default makes local-tiny's training diverge
    const failed = cli(["exp", "create", "-d", "train@1", "-m", "local-tiny", "--epochs", "2", "--lr-multiplier", "100", "--json"]);
    expect(failed.code).toBe(1);
    const failedId = (failed.json() as { id: string; status: string }).id;
    const created = cli(["exp", "create", "-d", "train@1", "-m", "local-tiny", "--epochs", "1", "--no-run", "--json"]);
    const cancelledId = (created.json() as { id: string }).id;
    expect(cli(["exp", "cancel", cancelledId]).code).toBe(0);

    const run = cli(["exp", "run", failedId, cancelledId, "--json"]);
    expect(run.code).toBe(1);
    expect((run.json() as Array<{ status: string }>).map((e) => e.status)).toEqual(["failed", "cancelled"]);
    expect(run.stderr).toContain(
      `${failedId} had already failed; exp run resumes unfinished experiments only. To run the same setup again: tunelab exp create with the same flags and --force`,
    );
    expect(run.stderr).toContain(
      `${cancelledId} had already been cancelled; exp run resumes unfinished experiments only. To run the same setup again: tunelab exp create with the same flags\n`,
    );
  }, 180_000);
});
