import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.ts";

const EXAMPLES = fileURLToPath(new URL("../../../examples/ticket-routing/", import.meta.url));

let dir: string;
let home: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tunelab-workflow-"));
  home = join(dir, ".tunelab");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[]) => runCli(args, { home, cwd: dir });

interface Board {
  primaryMetric: string;
  rows: Array<{ experimentId: string; kind: string; score: number; tunedModel: string; name: string; evalRunId: string }>;
}

describe("the whole workflow through the built CLI", () => {
  let good: { id: string; model: string; score: number };

  it("runs the demo on a small configuration: tuned models beat the baseline", () => {
    const demo = cli(["demo", "--model", "local-tiny", "--epochs", "2", "--json"]);
    expect(demo.code, demo.stderr).toBe(0);
    const result = demo.json() as { leaderboard: Board; comparison: { improved: unknown[] } };
    const rows = result.leaderboard.rows;
    expect(rows).toHaveLength(4);
    const baseline = rows.find((r) => r.kind === "baseline");
    expect(rows[0]?.kind).toBe("tuned");
    expect(rows[0]?.score).toBeGreaterThan(baseline?.score ?? 1);
    expect(result.comparison.improved.length).toBeGreaterThan(0);

    const human = cli(["leaderboard"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/fields \[95% CI\]/);
  }, 240_000); // CLI processes train and score in turn: seconds each on idle cores, more on a busy machine

  it("trains a good model and gates regression evals against it", () => {
    const created = cli(["exp", "create", "-d", "train@2", "-m", "local-tiny", "--json"]);
    expect(created.code, created.stderr).toBe(0);
    const experiment = created.json() as { id: string; tunedModel: string; status: string };
    expect(experiment.status).toBe("completed");
    const board = cli(["leaderboard", "--json"]).json() as Board;
    const row = board.rows.find((r) => r.experimentId === experiment.id);
    good = { id: experiment.id, model: experiment.tunedModel, score: row?.score ?? 0 };
    expect(board.rows[0]?.experimentId).toBe(experiment.id);

    // the same model against itself as the baseline: no drop, exit 0
    const same = cli([
      "eval",
      "--model",
      good.model,
      "--baseline",
      good.id,
      "--max-drop",
      "0.02",
      "--min-score",
      "0.1",
      "--format",
      "json",
    ]);
    expect(same.code, same.stderr).toBe(0);
    const gate = same.json() as { passed: boolean; checks: Array<{ gate: string; passed: boolean }> };
    expect(gate.passed).toBe(true);
    expect(gate.checks.map((c) => c.gate)).toEqual(["min-score", "max-errored", "max-drop"]);

    // an impossible minimum fails with exit 1, naming the gate
    const strict = cli(["eval", "--model", good.model, "--min-score", "0.999"]);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain("FAIL min-score");
  }, 240_000);

  it("fails the gate for a model trained on shuffled labels, naming the regressed items, in JUnit and Markdown", () => {
    const imported = cli(["data", "import", `${EXAMPLES}train-shuffled.jsonl`, "-d", "shuffled"]);
    expect(imported.code, imported.stderr).toBe(0);
    const trained = cli(["exp", "create", "-d", "shuffled@1", "-m", "local-tiny", "--json"]);
    expect(trained.code, `${trained.stdout}\n${trained.stderr}`).toBe(0);
    const worse = trained.json() as { tunedModel: string; status: string };
    expect(worse.status).toBe("completed");

    const junitFile = join(dir, "report.xml");
    const result = cli([
      "eval",
      "--model",
      worse.tunedModel,
      "--baseline",
      good.id,
      "--max-drop",
      "0.02",
      "--format",
      "junit",
      "-o",
      junitFile,
    ]);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(1);
    const xml = readFileSync(junitFile, "utf8");
    expect(XMLValidator.validate(xml)).toBe(true);
    const parsed = new XMLParser({ ignoreAttributes: false }).parse(xml) as {
      testsuites: {
        testsuite: {
          "@_tests": string;
          "@_failures": string;
          "@_errors": string;
          testcase: Array<{ "@_name": string; failure?: unknown; error?: unknown }>;
        };
      };
    };
    const suite = parsed.testsuites.testsuite;
    expect(Number(suite["@_tests"])).toBe(102); // 100 items + the max-errored and max-drop gates
    const failedCases = suite.testcase.filter((t) => t.failure !== undefined).length;
    const erroredCases = suite.testcase.filter((t) => t.error !== undefined).length;
    expect(Number(suite["@_failures"])).toBe(failedCases);
    expect(Number(suite["@_errors"])).toBe(erroredCases);
    expect(suite.testcase.find((t) => t["@_name"] === "max-drop")?.failure).toBeDefined();

    const markdown = cli(["eval", "--model", worse.tunedModel, "--baseline", good.id, "--max-drop", "0.02", "--format", "markdown"]);
    expect(markdown.code).toBe(1);
    expect(markdown.stdout).toContain("| max-drop | **FAIL** |");
    expect(markdown.stdout).toMatch(/\d+ regressed item\(s\)/);

    const table = cli(["eval", "--model", worse.tunedModel, "--baseline", good.id, "--max-drop", "0.02"]);
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(/regressed on fields \(passed in A, fails in B\): \d+/);
    expect(table.stdout).toMatch(/#\d+ /);
  }, 240_000);

  it("answers --json on every listing and compares two experiments", () => {
    const experiments = cli(["exp", "list", "--json"]).json() as Array<{ id: string; status: string }>;
    expect(experiments.length).toBe(6);
    expect(experiments.every((e) => e.status === "completed")).toBe(true);
    const graders = cli(["graders", "list", "--json"]).json() as { current: { primaryMetric: string; graders: unknown[] } };
    expect(graders.current.primaryMetric).toBe("fields");
    expect(graders.current.graders).toHaveLength(5);
    const [first, second] = experiments;
    const comparison = cli(["compare", first?.id ?? "", second?.id ?? "", "--json"]).json() as { graders: Record<string, { n: number }> };
    expect(comparison.graders.fields?.n).toBe(100);
    const logs = cli(["exp", "logs", good.id, "--json"]);
    expect(logs.stdout.trim().split("\n").length).toBeGreaterThan(1000);
    expect(cli(["exp", "show", "exp_missing"]).code).toBe(2);
  }, 240_000);
});
