// `tunelab sweep --data-fractions` then `tunelab curve` on the ticket-routing example, in real CLI processes: nested
// subsets stored as dataset versions, one experiment per size, and the fitted curve with its projection.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.ts";

const EXAMPLES = fileURLToPath(new URL("../../../examples/ticket-routing/", import.meta.url));
let dir: string;
let home: string;
const cli = (args: string[]) => runCli(args, { home, cwd: dir });
const ok = (args: string[]) => {
  const result = cli(args);
  if (result.code !== 0) throw new Error(`tunelab ${args.join(" ")} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
  return result;
};
let sweepStderr: string;

interface Curves {
  primaryMetric: string;
  x: "examples" | "tokens";
  noTokens: string[];
  curves: {
    setup: string;
    xLabel: string;
    members: { dataset: string; examples: number; trainedTokens: number | null; n: number; score: number }[];
    curve: { fit: { a: number; b: number; c: number }; projections: { n: number; y: number; interval: { low: number; high: number } }[] };
  }[];
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tunelab-curve-"));
  home = join(dir, ".tunelab");
  const items = readFileSync(`${EXAMPLES}test.jsonl`, "utf8").split("\n").filter(Boolean).slice(0, 20);
  writeFileSync(join(dir, "test.jsonl"), `${items.join("\n")}\n`);
  ok(["split", join(dir, "test.jsonl"), "--project", "tickets"]);
  ok(["data", "import", `${EXAMPLES}train-v2.jsonl`, "--dataset", "train"]);
  ok(["graders", "add", `${EXAMPLES}graders.json`]);
  sweepStderr = ok(["sweep", "-d", "train@1", "-m", "local-tiny", "--epochs", "1", "--data-fractions", "0.125,0.25,0.5,1"]).stderr;
}, 900_000); // four experiments train and score in one CLI process on a shared 2-core machine
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("tunelab sweep --data-fractions and tunelab curve", () => {
  it("stores the nested subsets as dataset versions and says so", () => {
    expect(sweepStderr).toContain("stored train-v1-12.5pct@1: 60 examples (0.125 of the data)");
    expect(sweepStderr).toContain("stored train-v1-50pct@1: 240 examples");
  });

  it("fits the four experiments and projects to the sizes asked for, with an interval", () => {
    const result = ok(["curve", "--at", "960,1920", "--resamples", "300", "--json"]).json() as Curves;
    expect(result.curves).toHaveLength(1);
    const c = result.curves[0];
    expect(c?.members.map((m) => [m.dataset, m.examples])).toEqual([
      ["train-v1-12.5pct@1", 60],
      ["train-v1-25pct@1", 120],
      ["train-v1-50pct@1", 240],
      ["train@1", 480],
    ]);
    expect(c?.curve.projections.map((p) => p.n)).toEqual([960, 1920]);
    for (const p of c?.curve.projections ?? []) {
      expect(p.interval.low).toBeLessThanOrEqual(p.y + 1e-12);
      expect(p.interval.high).toBeGreaterThanOrEqual(p.y - 1e-12);
    }
    expect(c?.curve.fit.a).toBeLessThanOrEqual(1);
  });

  it("prints the fit and the doubling projection as a sentence", () => {
    const text = ok(["curve", "--resamples", "200"]).stdout;
    expect(text).toMatch(/fit: \w+ ≈ -?[\d.]+ − -?[\d.]+ · n\^−[\d.]+/);
    expect(text).toMatch(
      /doubling the data \(480 → 960 examples\) is predicted to (raise|change) \w+ from [\d.]+ to [\d.-]+ \[[\d.-]+, [\d.-]+\]/,
    );
  });

  it("--x tokens fits on the trained tokens the engine reported and projects doubling them", () => {
    const result = ok(["curve", "--x", "tokens", "--resamples", "200", "--json"]).json() as Curves;
    expect(result.x).toBe("tokens");
    expect(result.noTokens).toEqual([]);
    const c = result.curves[0];
    expect(c?.xLabel).toBe("trained tokens: assistant (loss-bearing) tokens × epochs");
    const tokens = c?.members.map((m) => m.trainedTokens as number) ?? [];
    expect(c?.members.map((m) => m.n)).toEqual(tokens);
    // one epoch each: more examples, more assistant tokens trained on
    for (let i = 1; i < tokens.length; i++) expect(tokens[i]).toBeGreaterThan(tokens[i - 1] as number);
    expect(c?.curve.projections.map((p) => p.n)).toEqual([2 * (tokens.at(-1) as number)]);
    const text = ok(["curve", "--x", "tokens", "--resamples", "200"]).stdout;
    expect(text).toContain("(n = trained tokens: assistant (loss-bearing) tokens × epochs)");
    expect(text).toMatch(
      /doubling the trained tokens \([\d,]+ → [\d,]+ tokens\) is predicted to (raise|change) \w+ from [\d.]+ to [\d.-]+/,
    );
    const bad = cli(["curve", "--x", "words"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--x.*words.*examples, tokens/);
  });

  it("refuses fractions outside (0, 1] before creating anything", () => {
    const bad = cli(["sweep", "-d", "train@1", "-m", "local-tiny", "--data-fractions", "0.5,2"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/option '--data-fractions <list>' argument '0\.5,2' is invalid\. a fraction must be at most 1/);
  });
});

// After the test split and the graders changed, the four experiments are scored on test@1 with graders@1 only: the
// current curve has none, and `--split`/`--graders` (as the leaderboard's and the curves API's) draw theirs again.
describe("tunelab curve --split and --graders", () => {
  interface On {
    testSplit: string;
    graderSet: string;
    primaryMetric: string;
    curves: { members: { dataset: string }[] }[];
  }
  const on = (r: On) => [r.testSplit, r.graderSet, r.primaryMetric, r.curves.map((c) => c.members.map((m) => m.dataset))];
  const OLD_CURVE = [["train-v1-12.5pct@1", "train-v1-25pct@1", "train-v1-50pct@1", "train@1"]];

  it("refuses a malformed version before any work, naming the option and what it expects", () => {
    // an empty home: had the workspace been opened, the error would be that there is no project
    const empty = mkdtempSync(join(tmpdir(), "tunelab-curve-empty-"));
    try {
      for (const [args, expected] of [
        [
          ["--split", "train@1"],
          `option '--split <version>' argument 'train@1' is invalid. expected test@N or N, e.g. test@1, got "train@1"`,
        ],
        [["--split", "0"], `option '--split <version>' argument '0' is invalid. expected test@N or N, e.g. test@1, got "0"`],
        [
          ["--graders", "test@1"],
          `option '--graders <version>' argument 'test@1' is invalid. expected graders@N or N, e.g. graders@1, got "test@1"`,
        ],
      ] as const) {
        const bad = runCli(["curve", ...args], { home: join(empty, ".tunelab"), cwd: empty });
        expect(bad.code).toBe(2);
        expect(bad.stderr).toContain(expected);
        expect(existsSync(join(empty, ".tunelab"))).toBe(false);
      }
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it("names the project's versions for one it does not have", () => {
    const split = cli(["curve", "--split", "test@9"]);
    expect(split.code).toBe(2);
    expect(split.stderr).toContain("project tickets has no test split test@9 (its test splits: test@1)");
    const graders = cli(["curve", "--graders", "7", "--json"]);
    expect(graders.code).toBe(2);
    expect(graders.json()).toMatchObject({
      error: { code: "not_found", message: "project tickets has no grader set graders@7 (its grader sets: graders@1)" },
    });
  });

  it("after the split and graders changed, draws the curve of the experiments scored on the versions asked for, and says which", () => {
    const items = readFileSync(`${EXAMPLES}test.jsonl`, "utf8").split("\n").filter(Boolean).slice(20, 24);
    writeFileSync(join(dir, "test2.jsonl"), `${items.join("\n")}\n`);
    ok(["split", join(dir, "test2.jsonl"), "--project", "tickets"]);
    const exact = {
      type: "string_check",
      name: "exact",
      input: "{{sample.output_text}}",
      reference: "{{item.reference}}",
      operation: "eq",
    };
    writeFileSync(join(dir, "graders2.json"), JSON.stringify({ graders: [exact], primary_metric: "exact" }));
    ok(["graders", "add", join(dir, "graders2.json")]);

    const current = ok(["curve", "--resamples", "100", "--json"]).json() as On;
    expect(on(current)).toEqual(["test@2", "graders@2", "exact", []]);
    expect(ok(["curve", "--resamples", "100"]).stdout).toContain("no learning curve yet on test@2 with graders@2");

    // the old split alone is scored with the current graders: no experiment was
    expect(on(ok(["curve", "--split", "test@1", "--resamples", "100", "--json"]).json() as On)).toEqual([
      "test@1",
      "graders@2",
      "exact",
      [],
    ]);
    expect(on(ok(["curve", "--split", "test@1", "--graders", "graders@1", "--resamples", "100", "--json"]).json() as On)).toEqual([
      "test@1",
      "graders@1",
      "fields",
      OLD_CURVE,
    ]);
    expect(on(ok(["curve", "--split", "1", "--graders", "1", "--resamples", "100", "--json"]).json() as On)).toEqual([
      "test@1",
      "graders@1",
      "fields",
      OLD_CURVE,
    ]);
    const text = ok(["curve", "--split", "test@1", "--graders", "graders@1", "--resamples", "100"]).stdout;
    expect(text.split("\n")[0]).toBe("experiments scored on test@1 with graders@1 (fields)");
    expect(text).toMatch(/fit: fields ≈ /);
  });
});
