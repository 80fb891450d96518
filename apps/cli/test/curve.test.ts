// `tunelab sweep --data-fractions` then `tunelab curve` on the ticket-routing example, in real CLI processes: nested
// subsets stored as dataset versions, one experiment per size, and the fitted curve with its projection.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
