// Options are parsed and checked by commander before any command runs: a bad value is refused at once with the
// usage exit code (2) and a message naming the option and what it takes, and nothing is opened or written — not
// the workspace's home, not an eval run row. Real CLI processes.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { closeWorkspace, openWorkspace } from "@tunelab/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.ts";

const EXAMPLES = fileURLToPath(new URL("../../../examples/ticket-routing/", import.meta.url));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tunelab-options-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A home that does not exist yet: any command that opened the workspace would create it. */
const freshHome = (name: string) => join(dir, name, ".tunelab");

const refused = (args: string[], home: string) => {
  const result = runCli(args, { home, cwd: dir });
  expect(result.code, result.stdout + result.stderr).toBe(2);
  expect(result.stdout).toBe("");
  return result.stderr;
};

describe("options are checked before any work", () => {
  it("eval --max-drop abc: refused at once naming --max-drop; no home is created", () => {
    const home = freshHome("max-drop");
    const stderr = refused(["eval", "--model", "local-tiny", "--max-drop", "abc"], home);
    expect(stderr).toContain("error: option '--max-drop <d>' argument 'abc' is invalid. expected a number, got \"abc\"");
    expect(existsSync(home)).toBe(false);
    expect(refused(["eval", "--model", "local-tiny", "--max-drop", "-0.1"], home)).toContain('expected a number ≥ 0, got "-0.1"');
    expect(refused(["eval", "--model", "local-tiny", "--significance", "5"], home)).toContain(
      "option '--significance <alpha>' argument '5' is invalid. expected a fraction from 0 to 1",
    );
    expect(refused(["eval", "--model", "local-tiny", "--min-score", "high"], home)).toContain("option '--min-score <x>'");
    expect(existsSync(home)).toBe(false);
  }, 120_000);

  it("leaderboard --order sideways: refused naming the allowed values", () => {
    const home = freshHome("order");
    expect(refused(["leaderboard", "--order", "sideways"], home)).toContain(
      "error: option '--order <dir>' argument 'sideways' is invalid. Allowed choices are asc, desc.",
    );
    expect(refused(["leaderboard", "--sort", "scroe"], home)).toMatch(
      /option '--sort <column>' argument 'scroe' is invalid\. Allowed choices are rank, .*score/,
    );
    expect(refused(["leaderboard", "--status", "done"], home)).toMatch(
      /option '--status <status>' argument 'done' is invalid\. Allowed choices are .*completed/,
    );
    expect(existsSync(home)).toBe(false);
  }, 120_000);

  it("leaderboard --limit 0: refused clearly (not an internal error)", () => {
    const home = freshHome("limit");
    const stderr = refused(["leaderboard", "--limit", "0"], home);
    expect(stderr).toContain("error: option '--limit <n>' argument '0' is invalid. expected a whole number ≥ 1, got \"0\"");
    expect(stderr).not.toContain("internal error");
    expect(refused(["leaderboard", "--limit", "10001"], home)).toContain("option '--limit <n>' argument '10001' is invalid.");
    expect(refused(["leaderboard", "--limit", "2.5"], home)).toContain("expected a whole number ≥ 1");
    expect(existsSync(home)).toBe(false);
  }, 120_000);

  it("other commands' numbers and lists, each naming its option", () => {
    const home = freshHome("others");
    const cases: Array<[string[], string]> = [
      [["exp", "run", "exp_x", "--concurrency", "0"], "option '--concurrency <n>' argument '0' is invalid"],
      [["exp", "create", "-d", "train@1", "-m", "local-tiny", "--seed", "-5"], "option '--seed <n>' argument '-5' is invalid"],
      [
        ["sweep", "-d", "train@1", "-m", "local-tiny", "--data-fractions", "0.5,x"],
        "option '--data-fractions <list>' argument '0.5,x' is invalid. value 2 of the list",
      ],
      [["sweep", "-d", "train@1", "-m", "local-tiny", "--fraction-seed", "1.5"], "option '--fraction-seed <n>' argument '1.5' is invalid"],
      [["curve", "--at", "100,-1"], "option '--at <sizes>' argument '100,-1' is invalid. value 2 of the list: expected a number > 0"],
      [["compare", "a", "b", "--items", "0"], "option '--items <n>' argument '0' is invalid"],
      [
        ["split", "x.jsonl", "-p", "p", "--test-fraction", "1.5"],
        "option '--test-fraction <f>' argument '1.5' is invalid. expected a fraction between 0 and 1 (exclusive)",
      ],
      // 0 and 1 are refused as the help says ("between 0 and 1, exclusive"), before the workspace is opened
      [
        ["split", "x.jsonl", "-p", "p", "--test-fraction", "0"],
        "option '--test-fraction <f>' argument '0' is invalid. expected a fraction between 0 and 1 (exclusive)",
      ],
      [["data", "validate", "x.jsonl", "--context", "0"], "option '--context <tokens>' argument '0' is invalid"],
      [["serve", "--port", "99999"], "option '--port <port>' argument '99999' is invalid. expected a whole number from 0 to 65535"],
      [
        ["models", "export", "ft:x", "--format", "onnx", "-o", "out"],
        "option '--format <format>' argument 'onnx' is invalid. Allowed choices are",
      ],
      [["models", "export", "ft:x", "--format", "gguf", "--dtype", "bf16", "-o", "out"], "dtype bf16 does not apply to gguf exports"],
    ];
    for (const [args, message] of cases) expect(refused(args, home), args.join(" ")).toContain(message);
    expect(existsSync(home)).toBe(false);
  }, 300_000);

  it("exp create --epochs 1.5 and --seed 99999999999999999999: refused naming what is expected and the real limit", () => {
    const home = freshHome("hyper");
    expect(refused(["exp", "create", "-d", "train@1", "-m", "local-tiny", "--epochs", "1.5"], home)).toContain(
      "option '--epochs <n|auto>' argument '1.5' is invalid. n_epochs: expected a whole number, or auto",
    );
    expect(refused(["sweep", "-d", "train@1", "-m", "local-tiny", "--batch-size", "8,2.5"], home)).toContain(
      "batch_size: expected a whole number, or auto",
    );
    expect(refused(["exp", "create", "-d", "train@1", "-m", "local-tiny", "--seed", "99999999999999999999"], home)).toContain(
      "Too big: expected number to be <=2147483647",
    );
    expect(existsSync(home)).toBe(false);
  });

  it("a sweep larger than the limit (data fractions counted) is refused before the workspace is opened", () => {
    const home = freshHome("sweep");
    const stderr = refused(
      [
        "sweep",
        "-d",
        "train@1,train@2",
        "-m",
        "local-tiny",
        "--epochs",
        "1,2,3,4,5,6,7,8,9,10",
        "--data-fractions",
        "0.2,0.4,0.6,0.8,1",
        "--lr-multiplier",
        "1,2,3",
      ],
      home,
    );
    expect(stderr).toContain("error: sweep: a sweep may have at most 200 points; this grid has 300");
    expect(existsSync(home)).toBe(false);
  });
});

describe("in a workspace that could run the eval", () => {
  let home: string;
  beforeAll(() => {
    home = join(dir, "work", ".tunelab");
    const items = readFileSync(`${EXAMPLES}test.jsonl`, "utf8").split("\n").filter(Boolean).slice(0, 4);
    writeFileSync(join(dir, "test.jsonl"), `${items.join("\n")}\n`);
    for (const args of [
      ["split", join(dir, "test.jsonl"), "--project", "tickets"],
      ["graders", "add", `${EXAMPLES}graders.json`],
    ]) {
      const r = runCli(args, { home, cwd: dir });
      if (r.code !== 0) throw new Error(`${args.join(" ")}: ${r.stdout}\n${r.stderr}`);
    }
  }, 120_000);

  const counts = async () => {
    const ws = await openWorkspace(home);
    try {
      const count = async (table: "eval_runs" | "events") =>
        Number(
          (
            await ws.db
              .selectFrom(table)
              .select((eb) => eb.fn.countAll().as("n"))
              .executeTakeFirstOrThrow()
          ).n,
        );
      return { evalRuns: await count("eval_runs"), events: await count("events") };
    } finally {
      await closeWorkspace(ws);
    }
  };

  it("eval --max-drop abc writes no eval run and no event", async () => {
    const before = await counts();
    expect(before.evalRuns).toBe(0);
    const stderr = refused(["eval", "--model", "local-tiny", "--baseline", "best", "--max-drop", "abc"], home);
    expect(stderr).toContain("option '--max-drop <d>' argument 'abc' is invalid");
    expect(await counts()).toEqual(before);
  });
});
