import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.ts";

const EXAMPLES = fileURLToPath(new URL("../../../examples/ticket-routing/", import.meta.url));
const VERSION = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

let dir: string;
let home: string;
const cli = (args: string[]) => runCli(args, { home, cwd: dir });
const ok = (args: string[]) => {
  const result = cli(args);
  if (result.code !== 0) throw new Error(`tunelab ${args.join(" ")} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
  return result;
};

interface Experiment {
  id: string;
  name: string;
  status: string;
}
interface Scores {
  evalRunId: string;
  status: string;
  testSplit: string;
  graderSet: string;
  primaryMetric: string;
  score: number;
  interval: { low: number; high: number };
  resultCounts: { total: number };
  graders: Record<string, { mean: number | null; n: number; ci: { mean: { low: number; high: number } | null } }>;
}

/** The cells of a cli-table3 row, trimmed. */
const cells = (line: string) =>
  line
    .split("│")
    .slice(1, -1)
    .map((c) => c.trim());

let baseline: Experiment;
let tuned: [Experiment, Experiment];
let runStderr: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tunelab-views-"));
  home = join(dir, ".tunelab");
  // 20 test tickets keep scoring quick; train@2 (480 tickets) teaches local-tiny the JSON shape in a few epochs
  const items = readFileSync(`${EXAMPLES}test.jsonl`, "utf8").split("\n").filter(Boolean).slice(0, 20);
  writeFileSync(join(dir, "test.jsonl"), `${items.join("\n")}\n`);
  ok(["split", join(dir, "test.jsonl"), "--project", "tickets"]);
  ok(["data", "import", `${EXAMPLES}train-v2.jsonl`, "--dataset", "train"]);
  ok(["graders", "add", `${EXAMPLES}graders.json`]);
  baseline = ok(["baseline", "--model", "local-tiny", "--json"]).json() as Experiment;
  const create = (epochs: string) =>
    ok(["exp", "create", "-d", "train@1", "-m", "local-tiny", "--epochs", epochs, "--no-run", "--json"]).json() as Experiment;
  tuned = [create("2"), create("3")];
  // item 9: two experiments run at once in one process, each polling its job and scoring through the SDK
  const run = ok(["exp", "run", tuned[0].id, tuned[1].id, "--concurrency", "2"]);
  runStderr = run.stderr;
}, 600_000); // a CLI process per step, training and scoring in turn on a shared 2-core machine
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("tunelab exp run", () => {
  it("writes no Node warning (no MaxListenersExceededWarning on abort listeners) to stderr", () => {
    expect(runStderr).toContain("completed");
    expect(runStderr).not.toMatch(/MaxListenersExceededWarning|\(node:\d+\) \w*Warning/);
  });
});

describe("tunelab --version", () => {
  it("prints the CLI package's version", () => {
    for (const flag of ["--version", "-V"]) {
      const result = cli([flag]);
      expect(result.code).toBe(0);
      expect(result.stdout.trim()).toBe(VERSION);
    }
  });
});

describe("tunelab exp show", () => {
  it("shows the primary metric with its interval and every grader's mean, in text and --json", () => {
    const json = ok(["exp", "show", tuned[1].id, "--json"]).json() as { scores: Scores };
    const scores = json.scores;
    expect(scores).toMatchObject({ status: "completed", testSplit: "test@1", graderSet: "graders@1", primaryMetric: "fields" });
    expect(scores.resultCounts.total).toBe(20);
    expect(scores.interval.low).toBeLessThanOrEqual(scores.score);
    expect(scores.interval.high).toBeGreaterThanOrEqual(scores.score);
    expect(Object.keys(scores.graders).sort()).toEqual(["exact", "fields", "similarity", "valid_json"]);
    expect(scores.graders.fields?.mean).toBe(scores.score);

    const text = ok(["exp", "show", tuned[1].id]).stdout;
    const fixed = (n: number | null | undefined) => (n ?? Number.NaN).toFixed(3);
    expect(text).toContain(
      `scores on test@1 with graders@1 (eval run ${scores.evalRunId}): fields ${fixed(scores.score)} [${fixed(scores.interval.low)}, ${fixed(scores.interval.high)}]`,
    );
    for (const [name, g] of Object.entries(scores.graders)) {
      const row = text.split("\n").find((l) => cells(l)[0]?.replace(" *", "") === name);
      expect(row, `a row for ${name}`).toBeDefined();
      expect(cells(row ?? "")[1]).toBe(fixed(g.mean));
    }
  });

  it("shows a baseline's scores too, and says when there are none yet", () => {
    const json = ok(["exp", "show", baseline.id, "--json"]).json() as { scores: Scores };
    expect(json.scores).toMatchObject({ status: "completed", primaryMetric: "fields" });
    expect(ok(["exp", "show", baseline.id]).stdout).toMatch(/scores on test@1 with graders@1 \(eval run run_\w+\): fields \d\.\d{3}/);

    const queued = ok(["exp", "create", "-d", "train@1", "-m", "local-tiny", "--epochs", "1", "--no-run", "--json"]).json() as Experiment;
    expect((ok(["exp", "show", queued.id, "--json"]).json() as { scores: unknown }).scores).toBeNull();
    expect(ok(["exp", "show", queued.id]).stdout).toContain("scores: none yet (created; scored on the test split once trained)");
  });
});

describe("tunelab exp logs", () => {
  it("--tail N prints the last N steps and a one-line summary", () => {
    const all = ok(["exp", "logs", tuned[0].id, "--json"]).stdout.trim().split("\n");
    const total = all.length;
    expect(total).toBeGreaterThan(10);

    const text = ok(["exp", "logs", tuned[0].id, "--tail", "5"]).stdout.trim().split("\n");
    expect(text).toHaveLength(6);
    expect(text.slice(0, 5).every((l) => /^step \d+\/\d+ train_loss=/.test(l))).toBe(true);
    expect(text[4]).toMatch(new RegExp(`^step ${total}/${total} `));
    expect(text[5]).toMatch(
      new RegExp(
        `^\\(${total - 5} earlier steps not shown\\) summary: ${total} steps \\(last ${total}/${total}\\) · train loss \\S+ → \\S+ \\(lowest \\S+ at step \\d+\\)`,
      ),
    );

    const json = ok(["exp", "logs", tuned[0].id, "--tail", "3", "--json"]);
    const lines = json.stdout.trim().split("\n");
    expect(lines.map((l) => (JSON.parse(l) as { step: number }).step)).toEqual([total - 2, total - 1, total]);
    expect(json.stderr).toContain(`summary: ${total} steps`);
  });

  it("says why a baseline has no training logs", () => {
    const result = ok(["exp", "logs", baseline.id]);
    expect(result.stdout).toContain(
      `${baseline.name} is a baseline: the base model as is, nothing is trained, so there are no training logs`,
    );
    expect(result.stdout).toContain(`\`tunelab exp show ${baseline.id}\``);
  });
});

describe("tunelab leaderboard and compare", () => {
  it("shows each experiment's id, and no training tokens or time for the baseline", () => {
    const lines = ok(["leaderboard"]).stdout.split("\n");
    const head = cells(lines.find((l) => l.includes("experiment")) ?? "");
    for (const e of [baseline, ...tuned]) expect(lines.some((l) => cells(l)[head.indexOf("id")] === e.id)).toBe(true);
    const row = cells(lines.find((l) => l.includes(baseline.id)) ?? "");
    expect([row[head.indexOf("tokens")], row[head.indexOf("time")]]).toEqual(["-", "-"]);
  });

  it("pages with --limit and --offset and says under the table how many rows follow and how to see them", () => {
    // the board holds the experiments of the tests before this one (3 or more): a page of 1 hides the rest, and the
    // table says so (before, it cut the list without a word)
    const whole = ok(["leaderboard", "--json"]).json() as { rows: Array<{ experimentId: string }>; total: number; offset: number };
    const n = whole.total;
    expect(n).toBeGreaterThanOrEqual(3);
    expect([whole.offset, whole.rows.length]).toEqual([0, n]);
    const first = ok(["leaderboard", "--limit", "1"]).stdout;
    expect(first, first).toContain(`rows 1-1 of ${n}; ${n - 1} more: --offset 1 (--limit 1)`);
    const second = ok(["leaderboard", "--limit", "1", "--offset", "1"]);
    expect(second.stdout).toContain(whole.rows[1]?.experimentId);
    expect(second.stdout).not.toContain(whole.rows[0]?.experimentId);
    expect(second.stdout).toContain(`rows 2-2 of ${n}; ${n - 2} more: --offset 2 (--limit 1)`);
    expect(ok(["leaderboard", "--offset", String(n - 1)]).stdout).toContain(`rows ${n}-${n} of ${n}`);
    expect(ok(["leaderboard"]).stdout).not.toContain("more: --offset");
    expect(ok(["leaderboard", "--offset", String(n + 2)]).stdout).toContain(
      `no rows from --offset ${n + 2}: this leaderboard has ${n} experiment(s)`,
    );
    expect(cli(["leaderboard", "--offset", "-1"]).code).not.toBe(0);
  });

  it("compares experiments given by id, name or leaderboard rank, and prints tiny p-values as <0.001", () => {
    const board = ok(["leaderboard", "--json"]).json() as { rows: Array<{ rank: number; experimentId: string; kind: string }> };
    const top = board.rows.find((r) => r.rank === 1);
    expect(top?.kind).toBe("tuned");

    const byName = ok(["compare", baseline.name, "1", "--json"]).json() as { a: { experimentId: string }; b: { experimentId: string } };
    expect([byName.a.experimentId, byName.b.experimentId]).toEqual([baseline.id, top?.experimentId]);
    const byRank = ok(["compare", `#${board.rows.find((r) => r.kind === "baseline")?.rank}`, top?.experimentId ?? "", "--json"]).json();
    expect(byRank).toEqual(byName);

    const text = ok(["compare", baseline.id, "1"]).stdout;
    const validJson = cells(text.split("\n").find((l) => cells(l)[0] === "valid_json") ?? "");
    expect(validJson[6]).toBe("<0.001"); // McNemar: every item turned valid JSON
    expect(text).not.toContain("0.0000");

    const unknown = cli(["compare", "no such experiment", "1"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('"no such experiment" is not an experiment id, eval run id, leaderboard rank or experiment name');
    const rank = cli(["compare", "9", "1"]);
    expect(rank.code).toBe(2);
    expect(rank.stderr).toContain("no rank 9 on the leaderboard of tickets");
  });
});
