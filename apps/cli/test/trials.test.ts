import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { closeWorkspace, getEvalRun, openWorkspace, runSamples } from "@tunelab/core";
import { bootstrapMeanInterval, type GraderSummary, mean, twoLevelBootstrapVariance, twoLevelMeanInterval } from "@tunelab/evals";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.ts";

// Repeated trials end to end: the real CLI against the embedded engine. An untrained local-tiny model samples at
// temperature 1, so its answers (and their fuzzy-match scores) change from one trial to the next.
const EXAMPLES = fileURLToPath(new URL("../../../examples/ticket-routing/", import.meta.url));

let dir: string;
let home: string;
const cli = (args: string[]) => runCli(args, { home, cwd: dir });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tunelab-trials-"));
  home = join(dir, ".tunelab");
  const items = readFileSync(`${EXAMPLES}test.jsonl`, "utf8").split("\n").filter(Boolean).slice(0, 16);
  writeFileSync(join(dir, "test.jsonl"), `${items.join("\n")}\n`);
  // the primary metric is the fuzzy match, passing at 0.36: an untrained model's sampled answers score about 0.28-0.39,
  // so an item passes in some trials and fails in others
  const graders = JSON.parse(readFileSync(`${EXAMPLES}graders.json`, "utf8")) as { graders: Array<Record<string, unknown>> };
  for (const g of graders.graders) if (g.name === "similarity") g.pass_threshold = 0.36;
  writeFileSync(join(dir, "graders.json"), JSON.stringify({ ...graders, primary_metric: "similarity" }));
  for (const args of [
    ["split", join(dir, "test.jsonl"), "--project", "tickets"],
    ["graders", "add", join(dir, "graders.json")],
  ]) {
    const r = cli(args);
    if (r.code !== 0) throw new Error(`${args.join(" ")}: ${r.stdout}\n${r.stderr}`);
  }
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Gate {
  passed: boolean;
  run: { id: string; trials: number; samplingParams: { temperature?: number }; resultCounts: { total: number } };
  comparison: { graders: Record<string, { n: number; trials?: { a: number; b: number } }> } | null;
}

/** Each item's scores on one grader, trial by trial, read back from the database. */
async function groupsOf(runId: string, grader: string): Promise<number[][]> {
  const ws = await openWorkspace(home);
  try {
    const rows = await runSamples(ws.db, runId);
    const groups = new Map<string, number[]>();
    for (const row of rows) {
      const grade = (JSON.parse(row.grades_json) as Record<string, { score: number; error?: unknown }>)[grader];
      if (!grade || grade.error) continue;
      groups.set(row.item_id, [...(groups.get(row.item_id) ?? []), grade.score]);
    }
    return [...groups.values()];
  } finally {
    await closeWorkspace(ws);
  }
}

describe("tunelab eval --trials", () => {
  let gate: Gate;

  it("samples every item N times at temperature 1 and says so", () => {
    const table = cli(["eval", "--model", "local-tiny", "--trials", "4"]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/4 trials per item at temperature 1: counts are per trial/);
    const flaky = Number(/similarity: (\d+) of 16 items flaky/.exec(table.stdout)?.[1]);
    expect(flaky).toBeGreaterThan(0);
    expect(table.stdout).toMatch(/most uncertain: #\d+ \d\/4/);

    const json = cli(["eval", "--model", "local-tiny", "--trials", "4", "--json"]);
    expect(json.code, json.stderr).toBe(0);
    gate = json.json() as Gate;
    expect(gate.run.trials).toBe(4);
    expect(gate.run.samplingParams.temperature).toBe(1);
    expect(gate.run.resultCounts.total).toBe(64);

    const junit = cli(["eval", "--model", "local-tiny", "--trials", "4", "--format", "junit"]);
    expect(junit.stdout).toContain('name="item 1 trial 4"');
  }, 240_000);

  it("stores results that vary across trials, and the interval widens with that trial variance", async () => {
    const groups = await groupsOf(gate.run.id, "similarity");
    expect(groups).toHaveLength(16);
    expect(groups.every((g) => g.length === 4)).toBe(true);
    // a sampled model: the same item scores differently from one trial to the next
    const varying = groups.filter((g) => new Set(g).size > 1).length;
    expect(varying).toBeGreaterThan(8);

    const ws = await openWorkspace(home);
    const run = await getEvalRun(ws.db, gate.run.id).finally(() => closeWorkspace(ws));
    const summary = (run.aggregates as { graders: Record<string, GraderSummary> }).graders.similarity;
    expect(summary?.trials).toMatchObject({ perItem: 4, items: 16 });
    expect(summary?.trials?.withinVariance).toBeGreaterThan(0);
    // the stored interval is the two-level bootstrap of these scores (recomputed here from the raw samples) ...
    expect(summary?.mean).toBeCloseTo(mean(groups.map((g) => mean(g))), 12);
    expect(summary?.ci.mean).toEqual(twoLevelMeanInterval(groups));
    // ... and it is wider than an interval that treats each item's mean as exact (ignoring trial variance)
    const itemMeansOnly = bootstrapMeanInterval(groups.map((g) => mean(g)));
    const twoLevel = summary?.ci.mean;
    if (!twoLevel || !itemMeansOnly) throw new Error("no interval");
    expect(twoLevel.high - twoLevel.low).toBeGreaterThan(itemMeansOnly.high - itemMeansOnly.low);
    const itemMeans = groups.map((g) => mean(g));
    const betweenOnly = itemMeans.reduce((s, m) => s + (m - mean(itemMeans)) ** 2, 0) / itemMeans.length ** 2;
    expect(twoLevelBootstrapVariance(groups)).toBeGreaterThan(betweenOnly);
  });

  it("compares two runs with trials (two-level paired delta) and records trials on baselines", () => {
    const baseline = cli(["baseline", "--model", "local-tiny", "--trials", "3", "--json"]);
    expect(baseline.code, baseline.stderr).toBe(0);
    const experiment = baseline.json() as { id: string; evaluation: { trials: number } };
    expect(experiment.evaluation.trials).toBe(3);

    const json = cli(["eval", "--model", "local-tiny", "--trials", "2", "--baseline", experiment.id, "--max-drop", "0.5", "--json"]);
    expect(json.code, json.stderr).toBe(0);
    const compared = (json.json() as Gate).comparison;
    expect(compared?.graders.similarity?.trials).toEqual({ a: 3, b: 2 });
    expect(compared?.graders.similarity?.n).toBe(16);
  }, 240_000);

  it("refuses a trial count out of range before doing anything", () => {
    const bad = cli(["eval", "--model", "local-tiny", "--trials", "0"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/trials/);
  });
});
