import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.ts";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tunelab-split-leak-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ticket = (i: number) =>
  JSON.stringify({
    messages: [
      { role: "system", content: "Route the ticket." },
      { role: "user", content: `my invoice ${i} is wrong` },
      { role: "assistant", content: "billing" },
    ],
  });

describe("tunelab split after training data exists", () => {
  it("prints which training versions already hold the new test items, how many and on which lines", () => {
    const home = join(dir, "home");
    const lines = Array.from({ length: 60 }, (_, i) => ticket(i));
    writeFileSync(join(dir, "train60.jsonl"), `${lines.join("\n")}\n`);
    writeFileSync(join(dir, "t20.jsonl"), `${lines.slice(0, 20).join("\n")}\n`);
    expect(runCli(["data", "import", join(dir, "train60.jsonl"), "-p", "p4", "-d", "train"], { home }).code).toBe(0);

    const split = runCli(["split", join(dir, "t20.jsonl"), "-p", "p4"], { home });
    expect(split.code).toBe(0);
    expect(split.stdout).toContain("test split test@1: 20 items, frozen");
    expect(split.stdout).toMatch(
      /file\s+warning training_leakage train@1: 20 of its 60 examples are items of test@1 \(lines 1, 2, 3, 4, 5, …\)/,
    );

    // the leaderboard flags an experiment on train@1: its score would be on items it trained on
    const grader = join(dir, "graders.json");
    writeFileSync(
      grader,
      JSON.stringify({
        type: "string_check",
        name: "exact",
        input: "{{sample.output_text}}",
        reference: "{{item.reference}}",
        operation: "eq",
      }),
    );
    expect(runCli(["graders", "add", grader, "-p", "p4"], { home }).code).toBe(0);
    const created = runCli(
      ["exp", "create", "--dataset", "train@1", "--model", "local-tiny", "--no-run", "-p", "p4", "--name", "on-train1"],
      { home },
    );
    expect(created.code, created.stderr).toBe(0);
    const board = runCli(["leaderboard", "-p", "p4"], { home });
    expect(board.code, board.stderr).toBe(0);
    expect(board.stdout).toMatch(/on-train1 .* train@1 ⚠ leak/);
    expect(board.stdout).toContain(
      "⚠ leak train@1: 20 of its examples are items of test@1; experiments on it are scored on items they trained on",
    );
    const json = runCli(["leaderboard", "-p", "p4", "--json"], { home }).json() as { rows: { name: string; leakage: unknown }[] };
    expect(json.rows.map((r) => [r.name, r.leakage])).toEqual([["on-train1", { testSplit: "test@1", examples: 20 }]]);
  });
});
