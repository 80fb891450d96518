// After the test split changes, `tunelab leaderboard` starts a new board; the experiments scored on the old split are
// not ranked on it, and the board says so, naming the versions, even while the new board is still empty.
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
      "Not ranked here (scores compare only on the same test split and graders; this board: test@2 with graders@1):\n  1 experiment scored on test@1 with graders@1",
    );
    // --json keeps the board's body: the experiments apart are in `elsewhere`
    const json = runCli(["leaderboard", "--json"], { home, cwd: dir }).json() as {
      rows: unknown[];
      elsewhere: Array<{ experiments: number }>;
    };
    expect(json.rows).toEqual([]);
    expect(json.elsewhere.map((e) => e.experiments)).toEqual([1]);
  });
});
