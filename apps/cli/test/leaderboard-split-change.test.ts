// After the test split changes, `tunelab leaderboard` starts a new board; the experiments scored on the old split are
// not ranked on it, and the board says so, naming the versions, even while the new board is still empty. The old
// split's board stays one `--split test@1` away, and after the graders changed too, one `--split test@1 --graders
// graders@1` away, which the board suggests.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, runSteps } from "./run-cli.ts";

const EXAMPLES = fileURLToPath(new URL("../../../examples/ticket-routing/", import.meta.url));

let dir: string;
let home: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tunelab-split-change-"));
  home = join(dir, ".tunelab");
  const items = readFileSync(`${EXAMPLES}test.jsonl`, "utf8").split("\n").filter(Boolean);
  writeFileSync(join(dir, "test1.jsonl"), `${items.slice(0, 4).join("\n")}\n`);
  writeFileSync(join(dir, "test2.jsonl"), `${items.slice(4, 8).join("\n")}\n`);
  runSteps(
    [
      ["split", join(dir, "test1.jsonl"), "--project", "tickets"],
      ["graders", "add", `${EXAMPLES}graders.json`],
      ["baseline", "--model", "local-tiny"],
      ["baseline", "--model", "local-small", "--name", "small"],
      ["split", join(dir, "test2.jsonl"), "--project", "tickets"],
    ],
    { home, cwd: dir },
  );
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("tunelab leaderboard after the test split changed", () => {
  it("says which experiments are not ranked on the new board and on which versions they were scored", () => {
    const board = runCli(["leaderboard"], { home, cwd: dir });
    expect(board.code, board.stderr).toBe(0);
    expect(board.stdout).toContain("no experiments on this leaderboard yet");
    expect(board.stdout).toContain(
      "Not ranked here (scores compare only on the same test split and graders; this board: test@2 with graders@1):\n  2 experiments scored on test@1 with graders@1 (its board: tunelab leaderboard --split test@1)",
    );
    // --json keeps the board's body: the experiments apart are in `elsewhere`
    const json = runCli(["leaderboard", "--json"], { home, cwd: dir }).json() as {
      rows: unknown[];
      elsewhere: Array<{ experiments: number }>;
    };
    expect(json.rows).toEqual([]);
    expect(json.elsewhere.map((e) => e.experiments)).toEqual([2]);
  });

  it("shows the old split's board with --split test@1 (or 1), saying which split it is, with the paging, sorting and filters", () => {
    const cli = (args: string[]) => runCli(["leaderboard", ...args], { home, cwd: dir });
    const human = cli(["--split", "test@1"]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout.split("\n")[0]).toBe(
      "Leaderboard of tickets on test@1 with graders@1 (an older test split; the current one is test@2: `tunelab leaderboard` ranks on it)",
    );
    expect(human.stdout).toMatch(/│ small\s*│/);
    expect(human.stdout).not.toContain("Not ranked here");

    type Board = { testSplit: string; currentTestSplit: string; total: number; rows: Array<{ name: string; rank: number | null }> };
    const board = cli(["--split", "1", "--json"]).json() as Board;
    expect([board.testSplit, board.currentTestSplit, board.total]).toEqual(["test@1", "test@2", 2]);
    const names = board.rows.map((r) => r.name).sort();
    // paged and sorted as any board
    const page = cli(["--split", "test@1", "--sort", "name", "--order", "desc", "--limit", "1", "--offset", "1"]);
    expect(page.code, page.stderr).toBe(0);
    expect(page.stdout).toMatch(new RegExp(`│ ${names[0]}\\s*│`));
    expect(page.stdout).not.toMatch(new RegExp(`│ ${names[1]}\\s*│`));
    expect(page.stdout).toContain("rows 2-2 of 2");
    expect(cli(["--split", "test@1", "--offset", "5"]).stdout).toContain(
      "no rows from --offset 5: this leaderboard has 2 experiment(s); --split test@1 --offset 0 shows the first",
    );
    const filtered = cli(["--split", "test@1", "--method", "supervised"]);
    expect(filtered.stdout).toContain("Leaderboard of tickets on test@1 with graders@1");
    expect(filtered.stdout).toContain("no experiments on this leaderboard (test@1 with graders@1)");
    expect((cli(["--split", "test@1", "--model", "local-tiny", "--json"]).json() as Board).total).toBe(1);

    // the current split's board says so too
    expect(cli(["--split", "test@2"]).stdout.split("\n")[0]).toBe("Leaderboard of tickets on test@2 with graders@1");

    const unknown = cli(["--split", "test@3"]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("project tickets has no test split test@3 (its test splits: test@1, test@2)");
    const malformed = cli(["--split", "train@1"]);
    expect(malformed.code).not.toBe(0);
    expect(malformed.stderr).toContain(
      "option '--split <version>' argument 'train@1' is invalid. expected test@N or N, e.g. test@1, got \"train@1\"",
    );
  });
});

describe("tunelab leaderboard after the graders changed too", () => {
  const cli = (args: string[]) => runCli(["leaderboard", ...args], { home, cwd: dir });
  /** The command a board suggests for the experiments scored elsewhere (`(its board: tunelab leaderboard …)`). */
  const suggested = (stdout: string) => /\(its board: tunelab (leaderboard[^)]*)\)/.exec(stdout)?.[1]?.split(" ") ?? [];
  beforeAll(() => {
    const exact = {
      type: "string_check",
      name: "exact",
      input: "{{sample.output_text}}",
      reference: "{{item.reference}}",
      operation: "eq",
    };
    writeFileSync(join(dir, "graders2.json"), JSON.stringify({ graders: [exact], primary_metric: "exact" }));
    const added = runCli(["graders", "add", join(dir, "graders2.json")], { home, cwd: dir });
    expect(added.code, added.stderr).toBe(0);
  }, 60_000);

  it("suggests --split and --graders for the runs scored with the older graders, and that board ranks them", () => {
    const current = cli([]);
    expect(current.code, current.stderr).toBe(0);
    expect(current.stdout.split("\n")[0]).toBe("Leaderboard of tickets on test@2 with graders@2");
    expect(current.stdout).toContain(
      "Not ranked here (scores compare only on the same test split and graders; this board: test@2 with graders@2):\n  2 experiments scored on test@1 with graders@1 (its board: tunelab leaderboard --split test@1 --graders graders@1)",
    );
    // the older split alone is ranked with the current graders: empty, and it says where the runs are
    const split = cli(["--split", "test@1"]);
    expect(split.stdout.split("\n")[0]).toBe(
      "Leaderboard of tickets on test@1 with graders@2 (an older test split; the current one is test@2: `tunelab leaderboard` ranks on it)",
    );
    expect(split.stdout).toContain("no experiments on this leaderboard (test@1 with graders@2)");
    expect(suggested(split.stdout)).toEqual(["leaderboard", "--split", "test@1", "--graders", "graders@1"]);

    // the suggested command shows their board
    const [, ...flags] = suggested(current.stdout);
    const board = cli(flags);
    expect(board.code, board.stderr).toBe(0);
    expect(board.stdout.split("\n")[0]).toBe(
      "Leaderboard of tickets on test@1 with graders@1 (not the current test split and grader set; the current ones are test@2 with graders@2: `tunelab leaderboard` ranks on them)",
    );
    expect(board.stdout).toMatch(/│ small\s*│/);
    expect(board.stdout).not.toContain("Not ranked here");
    type Board = { testSplit: string; graderSet: string; currentGraderSet: string; total: number; primaryMetric: string };
    const json = cli(["--split", "1", "--graders", "1", "--json"]).json() as Board;
    expect([json.testSplit, json.graderSet, json.currentGraderSet, json.total, json.primaryMetric]).toEqual([
      "test@1",
      "graders@1",
      "graders@2",
      2,
      "fields",
    ]);
    expect(cli(["--split", "test@1", "--graders", "graders@1", "--offset", "5"]).stdout).toContain(
      "no rows from --offset 5: this leaderboard has 2 experiment(s); --split test@1 --graders graders@1 --offset 0 shows the first",
    );
    // with -p, the suggestion keeps it
    expect(suggested(cli(["-p", "tickets"]).stdout)).toEqual([
      "leaderboard",
      "--split",
      "test@1",
      "--graders",
      "graders@1",
      "-p",
      "tickets",
    ]);
  });

  it("shows the older graders' board of the current split with --graders alone, and refuses an unknown or malformed version", () => {
    const graders = cli(["--graders", "graders@1"]);
    expect(graders.code, graders.stderr).toBe(0);
    expect(graders.stdout.split("\n")[0]).toBe(
      "Leaderboard of tickets on test@2 with graders@1 (not the current grader set; the current one is graders@2: `tunelab leaderboard` ranks with it)",
    );
    expect(graders.stdout).toContain("no experiments on this leaderboard (test@2 with graders@1)");
    expect(suggested(graders.stdout)).toEqual(["leaderboard", "--split", "test@1", "--graders", "graders@1"]);
    expect(cli(["--graders", "2"]).stdout.split("\n")[0]).toBe("Leaderboard of tickets on test@2 with graders@2");

    const unknown = cli(["--graders", "graders@3"]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("project tickets has no grader set graders@3 (its grader sets: graders@1, graders@2)");
    const malformed = cli(["--graders", "test@1"]);
    expect(malformed.code).not.toBe(0);
    expect(malformed.stderr).toContain(
      "option '--graders <version>' argument 'test@1' is invalid. expected graders@N or N, e.g. graders@1, got \"test@1\"",
    );
  });
});
