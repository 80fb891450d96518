// `tunelab exp delete ID...` deletes finished (or never-run) experiments with their metrics and eval runs: they leave
// `exp list` and the leaderboard, and the tuned model is said to stay with its provider. Every id must name an
// experiment that may be deleted before any is: an unknown id, or one still training (cancel it first), deletes nothing.
import { closeWorkspace, openWorkspace, updateExperiment } from "@tunelab/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.ts";
import { type SmallTickets, smallTickets } from "./small-tickets.ts";

let tickets: SmallTickets;
let dir: string;
let home: string;
let baseline: string;
const cli = (args: string[]) => runCli(args, { home, cwd: dir });
const created = (epochs: number) => {
  const result = cli(["exp", "create", "-d", "train@1", "-m", "local-tiny", "--epochs", String(epochs), "--no-run", "--json"]);
  expect(result.code, result.stderr).toBe(0);
  return (result.json() as { id: string }).id;
};
const listed = () => (cli(["exp", "list", "--json"]).json() as Array<{ id: string }>).map((e) => e.id);
const board = () => cli(["leaderboard", "--json"]).stdout;
/** Changes an experiment's row as a process running it would (the CLI is not running meanwhile). */
async function setRow(id: string, patch: Parameters<typeof updateExperiment>[2]) {
  const ws = await openWorkspace(home);
  try {
    await updateExperiment(ws.db, id, patch);
  } finally {
    await closeWorkspace(ws);
  }
}
async function evalRunsOf(id: string): Promise<number> {
  const ws = await openWorkspace(home);
  try {
    return (await ws.db.selectFrom("eval_runs").select("id").where("experiment_id", "=", id).execute()).length;
  } finally {
    await closeWorkspace(ws);
  }
}

beforeAll(() => {
  tickets = smallTickets("tunelab-exp-delete-");
  ({ dir, home } = tickets);
  const result = cli(["baseline", "--model", "local-tiny", "--json"]);
  expect(result.code, result.stderr).toBe(0);
  baseline = (result.json() as { id: string; status: string }).id;
}, 180_000);
afterAll(() => tickets?.remove());

describe("tunelab exp delete", () => {
  it("deletes nothing when one id names no experiment, and names it", async () => {
    const before = listed();
    const result = cli(["exp", "delete", baseline, "exp_nosuchexperiment"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("no experiment exp_nosuchexperiment");
    expect(result.stderr).toContain("nothing was deleted");
    expect(listed()).toEqual(before);
    expect(await evalRunsOf(baseline)).toBe(1);
  }, 120_000);

  it("refuses one still training (cancel it first) and deletes nothing of the others asked with it", async () => {
    const running = created(2);
    await setRow(running, { status: "training" });
    const before = listed();
    const result = cli(["exp", "delete", baseline, running, "--json"]);
    expect(result.code).toBe(2);
    expect(result.json()).toMatchObject({ error: { code: "conflict", message: expect.stringContaining(`tunelab exp cancel ${running}`) } });
    expect(listed()).toEqual(before);
    expect(board()).toContain(baseline);
  }, 120_000);

  it("deletes a completed baseline and a never-run experiment; they leave the list and the leaderboard", async () => {
    const never = created(3);
    const other = created(4);
    expect(board()).toContain(baseline);
    const result = cli(["exp", "delete", baseline, never, "--json"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json()).toEqual([
      { id: baseline, deleted: true, tunedModel: null },
      { id: never, deleted: true, tunedModel: null },
    ]);
    const now = listed();
    expect(now).not.toContain(baseline);
    expect(now).not.toContain(never);
    expect(now).toContain(other);
    expect(board()).not.toContain(baseline);
    expect(await evalRunsOf(baseline)).toBe(0);
    const shown = cli(["exp", "show", baseline]);
    expect(shown.code).toBe(2);
    expect(shown.stderr).toContain(`no experiment ${baseline}`);
  }, 180_000);

  it("says the tuned model stays with its provider", async () => {
    const tuned = created(5);
    await setRow(tuned, { status: "cancelled", tuned_model: "ft:local-tiny:tickets:abc" });
    const result = cli(["exp", "delete", tuned]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`deleted ${tuned}; its tuned model ft:local-tiny:tickets:abc stays with its provider`);
    // and says how to delete it: the command for the local engine's, the provider's API for a hosted one's
    expect(result.stdout).toContain("`tunelab models delete ft:local-tiny:tickets:abc`");
  }, 120_000);
});
