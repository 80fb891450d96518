// A grader file whose content is invalid (an unknown operation, not JSON) fails validation: exit 1, as invalid data
// does (README: 1 a check failed, validation errors); a file that cannot be read is a usage error, exit 2. Nothing is
// written either way. Real CLI processes.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXACT_GRADER, runCli } from "./run-cli.ts";

let dir: string;
let home: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tunelab-grader-file-"));
  home = join(dir, ".tunelab");
  writeFileSync(join(dir, "bad-operation.json"), JSON.stringify([{ ...EXACT_GRADER, operation: "bogus" }]));
  writeFileSync(join(dir, "not-json.json"), "{type: string_check");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[]) => runCli(args, { home, cwd: dir });

describe("graders add: exit codes of a bad grader file", () => {
  it("an invalid operation exits 1 naming the file and the field; --json gives validation_failed", () => {
    const human = cli(["graders", "add", "bad-operation.json", "-p", "p"]);
    expect(human.code, human.stderr).toBe(1);
    expect(human.stderr).toContain('error: bad-operation.json: [0].operation: expected one of "eq"|"ne"|"like"|"ilike"');
    const json = cli(["graders", "add", "bad-operation.json", "-p", "p", "--json"]);
    expect(json.code).toBe(1);
    expect(json.json()).toMatchObject({ error: { code: "validation_failed" } });
    expect(existsSync(home)).toBe(false);
  }, 60_000);

  it("a file that is not JSON exits 1; a missing file or a directory exits 2", () => {
    const notJson = cli(["graders", "add", "not-json.json", "-p", "p"]);
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toContain("not-json.json is not valid JSON");
    const missing = cli(["graders", "add", "nope.json", "-p", "p"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("cannot read nope.json: file not found");
    expect(cli(["graders", "add", ".", "-p", "p"]).code).toBe(2);
    expect(existsSync(home)).toBe(false);
  }, 60_000);

  it("graders test with an invalid grader config exits 1 too", () => {
    const result = cli(["graders", "test", "-g", JSON.stringify({ ...EXACT_GRADER, operation: "bogus" }), "-s", "a"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("operation: expected one of");
  }, 60_000);
});
