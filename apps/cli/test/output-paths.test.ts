// Where a command writes its output is checked before it does any work: a path it could not write is refused at once
// (exit 2, naming the option and why) and no eval run or experiment is stored. A report that still cannot be written at
// the end is printed on stdout rather than lost. Real CLI processes.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BeforeWork, beforeWorkspace } from "./before-work.ts";

let w: BeforeWork;
let dir: string;
const cli = (args: string[]) => w.cli(args);
const refused = (args: string[]) => w.refused(args);

beforeAll(() => {
  w = beforeWorkspace("tunelab-output-paths-");
  dir = w.dir;
  writeFileSync(join(dir, "a-file"), "");
  mkdirSync(join(dir, "reports"));
}, 120_000);
afterAll(() => w.dispose());

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
