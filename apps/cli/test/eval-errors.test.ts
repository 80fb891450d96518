import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeTogether, startFakeTogether } from "../../../packages/core/src/test-support/fake-together.ts";
import { runCli, startCli } from "./run-cli.ts";

const EXAMPLES = fileURLToPath(new URL("../../../examples/ticket-routing/", import.meta.url));

let dir: string;
let home: string;
const cli = (args: string[]) => runCli(args, { home, cwd: dir });
// A hosted provider (a loopback replica of Together's API, in this process) that serves no model: every chat
// completion of MODEL is refused with a 404, so every item of an eval of it errors. (The embedded engine's own models
// are checked before an eval starts, so a missing one never gets this far.)
const MODEL = "ft:local-small:nope";
let fake: FakeTogether;
const env = { TOGETHER_API_KEY: "tk-eval" };
/** `tunelab eval --model MODEL --provider hosted ARGS…` as a child process (async: the replica answers it). */
const evalHosted = async (args: string[]) => {
  const child = startCli(["eval", "--model", MODEL, "--provider", "hosted", ...args], { home, cwd: dir, env });
  const code = await child.exited;
  const { stdout, stderr } = child.output();
  return { code, stdout, stderr, json: () => JSON.parse(stdout) as unknown };
};

beforeAll(async () => {
  fake = await startFakeTogether({ apiKey: "tk-eval", models: [] });
  dir = mkdtempSync(join(tmpdir(), "tunelab-eval-errors-"));
  home = join(dir, ".tunelab");
  writeFileSync(
    join(dir, "tunelab.config.json"),
    JSON.stringify({ providers: { hosted: { kind: "together", baseURL: fake.baseURL, apiKeyEnv: "TOGETHER_API_KEY" } } }),
  );
  // a small test split (the first 12 tickets) keeps the baseline quick
  const items = readFileSync(`${EXAMPLES}test.jsonl`, "utf8").split("\n").filter(Boolean).slice(0, 12);
  writeFileSync(join(dir, "test.jsonl"), `${items.join("\n")}\n`);
  for (const args of [
    ["split", join(dir, "test.jsonl"), "--project", "tickets"],
    ["graders", "add", `${EXAMPLES}graders.json`],
    ["baseline", "--model", "local-tiny"],
  ]) {
    const r = cli(args);
    if (r.code !== 0) throw new Error(`${args.join(" ")}: ${r.stdout}\n${r.stderr}`);
  }
}, 120_000);
afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Gate {
  passed: boolean;
  checks: Array<{ gate: string; passed: boolean; detail: string }>;
  errors: { count: number; first: Array<{ itemId: string; reason: string }> };
}

describe("tunelab eval on a model whose every item errors", () => {
  it("fails the gate (exit 1) by default and names the first errors with their item ids in the table", async () => {
    const table = await evalHosted(["--baseline", "best"]);
    expect(table.code, table.stderr).toBe(1);
    expect(table.stdout).toContain("✖ FAILED ft:local-small:nope");
    expect(table.stdout).toContain("0/12 passed, 0 failed, 12 errored");
    expect(table.stdout).toContain("FAIL max-errored: 12 of 12 items errored (100%) > allowed 0%");
    expect(table.stdout).toContain("errored items: 12");
    expect(table.stdout).toMatch(/#1 sampling http_error: 404 model ft:local-small:nope not found/);
    expect(table.stdout).toMatch(/#5 sampling http_error/);
    expect(table.stdout).toContain("… 7 more");
    expect(table.stdout).not.toContain("PASSED");
  }, 60_000);

  it("lists the first errors in markdown and --json", async () => {
    const markdown = await evalHosted(["--baseline", "best", "--format", "markdown"]);
    expect(markdown.code).toBe(1);
    expect(markdown.stdout).toContain("### ❌ tunelab eval");
    expect(markdown.stdout).toContain("| max-errored | **FAIL** | 12 of 12 items errored (100%) > allowed 0% |");
    expect(markdown.stdout).toContain("**12 errored item(s)**, the first 5:");
    expect(markdown.stdout).toMatch(/\| 1 \| sampling http_error: 404 model ft:local-small:nope not found[^|]*\|/);

    const json = await evalHosted(["--baseline", "best", "--json"]);
    expect(json.code).toBe(1);
    const gate = json.json() as Gate;
    expect(gate.passed).toBe(false);
    expect(gate.checks).toContainEqual(expect.objectContaining({ gate: "max-errored", passed: false }));
    expect(gate.errors.count).toBe(12);
    expect(gate.errors.first.map((e) => e.itemId)).toEqual(["1", "2", "3", "4", "5"]);
    expect(gate.errors.first[0]?.reason).toMatch(/^sampling http_error: 404 .*ft:local-small:nope/);
  }, 60_000);

  it("passes when --max-errored allows the share, still listing the errors; refuses a share out of range", async () => {
    const allowed = await evalHosted(["--max-errored", "100%"]);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stdout).toContain("pass max-errored: 12 of 12 items errored (100%) ≤ allowed 100%");
    expect(allowed.stdout).toContain("errored items: 12");

    const stricter = await evalHosted(["--max-errored", "0.5", "--json"]);
    expect(stricter.code).toBe(1);
    expect((stricter.json() as Gate).checks[0]?.detail).toBe("12 of 12 items errored (100%) > allowed 50%");

    const bad = await evalHosted(["--max-errored", "2"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      "option '--max-errored <share>' argument '2' is invalid. expected a share from 0 to 1 or a percentage like 5%, got \"2\"",
    );
  }, 60_000);

  it("passes a model that scores without errors under the default gate", () => {
    const ok = cli(["eval", "--model", "local-tiny", "--json"]);
    expect(ok.code, ok.stderr).toBe(0);
    const gate = ok.json() as Gate;
    expect(gate.errors).toEqual({ count: 0, first: [] });
    expect(gate.checks).toEqual([{ gate: "max-errored", passed: true, detail: "0 of 12 items errored (0%) ≤ allowed 0%" }]);
  }, 60_000);
});
