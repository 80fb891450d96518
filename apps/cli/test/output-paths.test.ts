// Where a command writes its output is checked before it does any work: a path it could not write is refused at once
// (exit 2, naming the option and why) and no eval run or experiment is stored. A report that still cannot be written at
// the end is printed on stdout rather than lost. Real CLI processes.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { closeWorkspace, openWorkspace } from "@tunelab/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.ts";

const EXAMPLES = fileURLToPath(new URL("../../../examples/ticket-routing/", import.meta.url));

let dir: string;
let home: string;
const cli = (args: string[]) => runCli(args, { home, cwd: dir });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tunelab-output-paths-"));
  home = join(dir, ".tunelab");
  const items = readFileSync(`${EXAMPLES}test.jsonl`, "utf8").split("\n").filter(Boolean).slice(0, 6);
  writeFileSync(join(dir, "test.jsonl"), `${items.join("\n")}\n`);
  writeFileSync(join(dir, "a-file"), "");
  mkdirSync(join(dir, "reports"));
  for (const args of [
    ["split", join(dir, "test.jsonl"), "--project", "tickets"],
    ["data", "import", `${EXAMPLES}train-v1.jsonl`, "-d", "train"],
    ["graders", "add", `${EXAMPLES}graders.json`],
  ]) {
    const r = cli(args);
    if (r.code !== 0) throw new Error(`${args.join(" ")}: ${r.stdout}\n${r.stderr}`);
  }
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Rows of the tables work would write to. */
const stored = async () => {
  const ws = await openWorkspace(home);
  try {
    const count = async (table: "eval_runs" | "experiments") =>
      Number(
        (
          await ws.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      );
    return { evalRuns: await count("eval_runs"), experiments: await count("experiments") };
  } finally {
    await closeWorkspace(ws);
  }
};

/** Refused before any work: exit 2, nothing on stdout, the message on stderr, nothing stored. */
const refused = async (args: string[]) => {
  const before = await stored();
  const result = cli(args);
  expect(result.code, result.stdout + result.stderr).toBe(2);
  expect(result.stdout).toBe("");
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(await stored()).toEqual(before);
  return result.stderr;
};

describe("output paths are checked before the work", () => {
  it("eval -o in a missing directory, or a directory itself: refused before an eval run is stored", async () => {
    expect(await refused(["eval", "--model", "local-tiny", "--format", "junit", "-o", "/nonexistent/dir/x.xml"])).toContain(
      "error: -o/--output /nonexistent/dir/x.xml: the directory /nonexistent/dir does not exist",
    );
    expect(await refused(["eval", "--model", "local-tiny", "-o", join(dir, "reports")])).toContain("it is a directory; give a file name");
    expect(await refused(["eval", "--model", "local-tiny", "-o", join(dir, "a-file", "x.xml")])).toContain("a-file is not a directory");
  }, 120_000);

  it.skipIf(!existsSync("/dev/full"))(
    "a report that cannot be written at the end (a full disk) is printed on stdout, with the reason and no stack trace",
    () => {
      const result = cli(["eval", "--model", "local-tiny", "--format", "junit", "-o", "/dev/full"]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("error: cannot write the report to /dev/full: ENOSPC");
      expect(result.stderr).toContain("it is printed on stdout instead");
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expect(result.stdout).toContain("<testsuites");
    },
    120_000,
  );

  it("data export and models export check their output before reading anything", async () => {
    expect(await refused(["data", "export", "train@1", "-o", "/nonexistent/dir/train.jsonl"])).toContain(
      "-o/--output /nonexistent/dir/train.jsonl: the directory /nonexistent/dir does not exist",
    );
    // checked before the model is looked up (there is no such model either)
    expect(await refused(["models", "export", "ft:none", "--format", "peft", "-o", join(dir, "a-file", "adapter")])).toContain(
      "a-file is not a directory",
    );
    expect(await refused(["models", "export", "ft:none", "--format", "peft", "-o", join(dir, "reports")])).toContain(
      "already exists; choose a new output directory",
    );
  }, 120_000);
});
