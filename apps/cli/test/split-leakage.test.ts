import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
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

const DIGITS = fileURLToPath(new URL("../../../examples/digits/", import.meta.url));

describe("leakage on the digits example (one question, a different picture per example)", () => {
  it("finds none: a training picture asked the test items' question is not a near duplicate of them", () => {
    const home = join(dir, "digits");
    expect(runCli(["split", `${DIGITS}test.jsonl`, "-p", "digits"], { home }).code).toBe(0);
    const imported = runCli(["data", "import", `${DIGITS}train.jsonl`, "-p", "digits", "-d", "train"], { home });
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain("leakage vs test@1: 0 exact duplicates of test items excluded, 0 near duplicates kept");
    expect(imported.stdout).not.toContain("test_leakage_near");

    // a split set after the training data: its pictures are not in train@1 either
    const split = runCli(["split", `${DIGITS}valid.jsonl`, "-p", "digits"], { home });
    expect(split.code, split.stderr).toBe(0);
    expect(split.stdout).toContain("test split test@2: 300 items, frozen");
    expect(split.stdout).not.toContain("training_leakage");
  });
});
