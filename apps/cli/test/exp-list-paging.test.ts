// `tunelab exp list` a page at a time (--limit, --offset), through the real CLI on a workspace written by core (no
// training): a line under the table says which rows these are and how many follow, as the leaderboard's does; --json
// stays an array of experiments, the page's place going to stderr; bad values are refused naming the option.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeWorkspace, createExperiment, importDataset, openWorkspace } from "@tunelab/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.ts";

const NAMES = ["e1", "e2", "e3", "e4", "e5"];
let dir: string;
let home: string;
const cli = (args: string[]) => runCli(args, { home, cwd: dir });
const ok = (args: string[]) => {
  const result = cli(args);
  if (result.code !== 0) throw new Error(`tunelab ${args.join(" ")} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
  return result;
};
/** The experiment names in a table, in the order shown. */
const shown = (stdout: string) => stdout.split("\n").flatMap((line) => NAMES.filter((n) => line.includes(`│ ${n} `)));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "tunelab-exp-list-"));
  home = join(dir, ".tunelab");
  const ws = await openWorkspace(home);
  const train = Array.from({ length: 12 }, (_, i) =>
    JSON.stringify({
      messages: [
        { role: "user", content: `ticket ${i}` },
        { role: "assistant", content: i % 2 ? "billing" : "bug" },
      ],
    }),
  );
  await importDataset(ws, { project: "p", dataset: "train", text: `${train.join("\n")}\n`, fileName: "train.jsonl" });
  for (const [i, name] of NAMES.entries())
    await createExperiment(ws, { project: "p", dataset: "train@1", model: "local-tiny", name, hyperparameters: { n_epochs: i + 1 } });
  await closeWorkspace(ws);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("tunelab exp list", () => {
  it("shows every experiment up to the default of 1,000, oldest first, with no page line", () => {
    const { stdout } = ok(["exp", "list"]);
    expect(shown(stdout)).toEqual(NAMES);
    expect(stdout).not.toContain("rows ");
  });

  it("pages with --limit and --offset, saying under the table which rows these are and how to see the rest", () => {
    const first = ok(["exp", "list", "--limit", "2"]).stdout;
    expect(shown(first)).toEqual(["e1", "e2"]);
    expect(first).toContain("rows 1-2 of 5; 3 more: --offset 2 (--limit 2)");
    const second = ok(["exp", "list", "--limit", "2", "--offset", "2"]).stdout;
    expect(shown(second)).toEqual(["e3", "e4"]);
    expect(second).toContain("rows 3-4 of 5; 1 more: --offset 4 (--limit 2)");
    const last = ok(["exp", "list", "--limit", "2", "--offset", "4"]).stdout;
    expect(shown(last)).toEqual(["e5"]);
    expect(last).toContain("rows 5-5 of 5");
    expect(last).not.toContain("more:");
    expect(ok(["exp", "list", "--offset", "9"]).stdout).toContain("no experiments from --offset 9: this project has 5");
  });

  it("keeps --json an array of the page's experiments, saying on stderr where more follow", () => {
    const page = ok(["exp", "list", "--json", "--limit", "2", "--offset", "1"]);
    expect((page.json() as Array<{ name: string }>).map((e) => e.name)).toEqual(["e2", "e3"]);
    expect(page.stderr).toContain("rows 2-3 of 5; 2 more: --offset 3 (--limit 2)");
    const all = ok(["exp", "list", "--json"]);
    expect((all.json() as Array<{ name: string }>).map((e) => e.name)).toEqual(NAMES);
    expect(all.stderr).not.toContain("rows ");
  });

  it("refuses a --limit or --offset that is not a whole number in range, naming the option, before opening anything", () => {
    for (const [args, option] of [
      [["--limit", "0"], "--limit <n>"],
      [["--limit", "10001"], "--limit <n>"],
      [["--limit", "abc"], "--limit <n>"],
      [["--limit", "2.5"], "--limit <n>"],
      [["--offset", "-1"], "--offset <n>"],
      [["--offset", "x"], "--offset <n>"],
    ] as const) {
      const result = cli(["exp", "list", ...args]);
      expect(result.code, args.join(" ")).not.toBe(0);
      expect(result.stderr, args.join(" ")).toContain(`option '${option}' argument '${args[1]}' is invalid`);
      expect(result.stdout).toBe("");
    }
  });
});
