// `tunelab graders test --sample-json FILE|-` passes a sample object {output_text?, output_tools?}, as
// POST /api/graders/test takes it, so tool-call graders can be tried from the CLI; a bad object is refused naming the
// field and writes nothing. Real CLI processes.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.ts";

const TOOL_GRADER = JSON.stringify({
  type: "string_check",
  name: "tool",
  input: "{{sample.output_tools[0].function.name}}",
  reference: "refund",
  operation: "eq",
});
const refundCall = { output_tools: [{ type: "function", function: { name: "refund", arguments: '{"order":"A1"}' } }] };

let dir: string;
let home: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tunelab-grader-sample-json-"));
  home = join(dir, ".tunelab");
  writeFileSync(join(dir, "refund.json"), JSON.stringify(refundCall));
  writeFileSync(
    join(dir, "bad-tool.json"),
    JSON.stringify({ output_tools: [{ type: "function", function: { name: 7, arguments: "{}" } }] }),
  );
  writeFileSync(join(dir, "bad-text.json"), JSON.stringify({ output_text: 3 }));
  writeFileSync(join(dir, "typo.json"), JSON.stringify({ output_tool: [] }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[]) => runCli(args, { home, cwd: dir });

describe("graders test --sample-json", () => {
  it("grades a tool call from a file: the tool name is rendered and passes", () => {
    const result = cli(["graders", "test", "-g", TOOL_GRADER, "--sample-json", "refund.json", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json()).toMatchObject({ status: "passed", score: 1, rendered: { input: "refund" } });
  }, 60_000);

  it("reads the sample from stdin with -", () => {
    const bin = fileURLToPath(new URL("../bin/tunelab.mjs", import.meta.url));
    const result = spawnSync(process.execPath, [bin, "graders", "test", "-g", TOOL_GRADER, "--sample-json", "-", "--json"], {
      cwd: dir,
      input: JSON.stringify({ output_text: "", output_tools: [{ function: { name: "cancel", arguments: "{}" } }] }),
      encoding: "utf8",
      env: { ...process.env, TUNELAB_HOME: home, NO_COLOR: "1", FORCE_COLOR: "" },
      timeout: 120_000,
    });
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: "failed", rendered: { input: "cancel" } });
  }, 60_000);

  it("refuses a bad sample object naming the field; exactly one of --sample and --sample-json", () => {
    const badTool = cli(["graders", "test", "-g", TOOL_GRADER, "--sample-json", "bad-tool.json"]);
    expect(badTool.code).toBe(2);
    expect(badTool.stderr).toContain("--sample-json bad-tool.json: output_tools[0].function.name:");
    const badText = cli(["graders", "test", "-g", TOOL_GRADER, "--sample-json", "bad-text.json"]);
    expect(badText.code).toBe(2);
    expect(badText.stderr).toContain("--sample-json bad-text.json: output_text: expected a string");
    const typo = cli(["graders", "test", "-g", TOOL_GRADER, "--sample-json", "typo.json"]);
    expect(typo.stderr).toContain("unknown field output_tool: expected only output_text, output_tools");
    const both = cli(["graders", "test", "-g", TOOL_GRADER, "--sample-json", "refund.json", "-s", "x"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("exactly one of --sample <text> and --sample-json");
    const missing = cli(["graders", "test", "-g", TOOL_GRADER, "--sample-json", "nope.json"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("cannot read nope.json");
    expect(existsSync(home)).toBe(false);
  }, 60_000);

  it("--help shows the tool-call example", () => {
    expect(cli(["graders", "test", "--help"]).stdout).toContain("--sample-json -");
  }, 60_000);
});
