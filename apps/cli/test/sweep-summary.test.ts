// `tunelab sweep` ends with the grid's outcome: points ranked as the leaderboard ranks them (the primary metric with its
// 95% interval), and a point that failed (here one whose learning rate makes training diverge) named with its error,
// while the other points still ran to the end.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, runSteps } from "./run-cli.ts";
import { EXAMPLES, type SmallTickets, smallTickets } from "./small-tickets.ts";

let tickets: SmallTickets;
let dir: string;
let home: string;
beforeAll(() => {
  tickets = smallTickets("tunelab-sweep-summary-");
  ({ dir, home } = tickets);
}, 120_000);
afterAll(() => tickets?.remove());

describe("tunelab sweep's summary", () => {
  it("ranks the points with their intervals, lists the failed point with its error, and exits 1", () => {
    const sweep = runCli(["sweep", "-d", "train@1", "-m", "local-tiny", "--epochs", "2", "--lr-multiplier", "1,100"], { home, cwd: dir });
    expect(sweep.code, sweep.stderr).toBe(1);
    const lines = sweep.stdout.split("\n");
    expect(lines.find((l) => l.includes("experiment"))).toMatch(/#.*experiment.*id.*fields \[95% CI\].*status/);
    const ok = lines.findIndex((l) => l.includes("ep=2 lr=1 "));
    const failed = lines.findIndex((l) => l.includes("ep=2 lr=100 "));
    expect(ok).toBeGreaterThan(-1);
    expect(lines[ok]).toMatch(/│ 1 +│.*│ \d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\] │ completed/);
    // the scored point first; the failed one after it, unranked and unscored
    expect(failed).toBeGreaterThan(ok);
    expect(lines[failed]).toMatch(/│ - +│.*│ - +│ failed/);
    expect(sweep.stdout).toMatch(
      /1 of 2 points failed \(the others ran to the end\):\n {2}train@1 local-tiny ep=2 lr=100 exp_\w+: training failed: .*diverged/,
    );
  }, 300_000);

  it("--json stays the list of the points' experiments", () => {
    const sweep = runCli(["sweep", "-d", "train@1", "-m", "local-tiny", "--epochs", "2", "--lr-multiplier", "1,100", "--json"], {
      home,
      cwd: dir,
    });
    const points = sweep.json() as Array<{ name: string; status: string }>;
    expect(points.map((p) => [p.name, p.status])).toEqual([
      ["train@1 local-tiny ep=2 lr=1", "completed"],
      ["train@1 local-tiny ep=2 lr=100", "failed"],
    ]);
  }, 120_000);

  it("after the test split changed, a point reused from before shows its score with the split it was scored on", () => {
    const items = readFileSync(`${EXAMPLES}test.jsonl`, "utf8").split("\n").filter(Boolean).slice(4, 8);
    writeFileSync(join(dir, "test2.jsonl"), `${items.join("\n")}\n`);
    runSteps([["split", join(dir, "test2.jsonl"), "--project", "tickets"]], { home, cwd: dir });
    const sweep = runCli(["sweep", "-d", "train@1", "-m", "local-tiny", "--epochs", "2", "--lr-multiplier", "1"], { home, cwd: dir });
    expect(sweep.code, sweep.stderr).toBe(0);
    const row = sweep.stdout.split("\n").find((l) => l.includes("ep=2 lr=1 "));
    expect(row).toMatch(/│ - +│.*│ \d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\] on test@1 with graders@1, not this board │ completed/);
  }, 120_000);
});
