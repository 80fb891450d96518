// The leaderboard on a real SQLite workspace: each row says its method, and the base model and method filters.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setTestSplit } from "../datasets/set-test-split.ts";
import { createExperiment } from "../experiments/create-experiment.ts";
import { saveGraderSet } from "../grader-sets/save-grader-set.ts";
import { seedChatAndPreferences } from "../test-support/experiment-data.ts";
import { samplesAtPassRate, scoreExperiment } from "../test-support/score-experiment.ts";
import { EXACT, SIM, seedScoredProject, untrainedExperiment } from "../test-support/scored-project.ts";
import { chat, jsonl, tempWorkspace } from "../test-support/temp-workspace.ts";
import { LEADERBOARD_COLUMNS, type LeaderboardQuery, leaderboard, type PriceOf } from "./leaderboard.ts";

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
beforeAll(async () => {
  ws = await tempWorkspace();
  await seedChatAndPreferences(ws);
  await createExperiment(ws, { project: "p", model: "tiny-qwen2", method: "none", name: "base" });
  await createExperiment(ws, { project: "p", dataset: "train@1", model: "tiny-qwen2", name: "sft", hyperparameters: { lora_rank: 4 } });
  await createExperiment(ws, { project: "p", dataset: "prefs@1", model: "tiny-qwen2", method: "dpo", name: "dpo" });
  await createExperiment(ws, { project: "p", dataset: "train@1", model: "local-tiny", name: "small" });
});
afterAll(async () => ws.dispose());

const names = async (query: Omit<Parameters<typeof leaderboard>[1], "project">) =>
  (await leaderboard(ws, { project: "p", sort: "name", ...query })).rows.map((r) => `${r.name}:${r.method}`);

describe("leaderboard rows and filters", () => {
  it("shows each experiment's method", async () => {
    expect(await names({})).toEqual(["base:none", "dpo:dpo", "sft:supervised", "small:supervised"]);
  });

  it("filters by base model and by method, and sorts by method", async () => {
    expect(await names({ model: "tiny-qwen2" })).toEqual(["base:none", "dpo:dpo", "sft:supervised"]);
    expect(await names({ model: "local-tiny" })).toEqual(["small:supervised"]);
    expect(await names({ method: "dpo" })).toEqual(["dpo:dpo"]);
    expect(await names({ model: "tiny-qwen2", method: "supervised" })).toEqual(["sft:supervised"]);
    expect(await names({ sort: "method", order: "desc" })).toEqual(["sft:supervised", "small:supervised", "base:none", "dpo:dpo"]);
  });
});

// Ranking on a real workspace with runs stored as the eval runner stores them (no model trained): the primary metric's
// mean and 95% interval (checked against stats_reference.py → stats.fixture.json), ties, the sort and filter options,
// and runs on another grader set or test split kept off the board.
const ranking = JSON.parse(readFileSync(new URL("./stats.fixture.json", import.meta.url), "utf8")).ranking as Record<
  string,
  { mean: number; interval: { low: number; high: number } }
>;

describe("ranking", () => {
  let rws: Awaited<ReturnType<typeof tempWorkspace>>;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    rws = await tempWorkspace();
    await seedScoredProject(rws, { project: "r", items: 40 });
    const scored = async (name: string, seed: number, rate: number, trainedTokens: number) => {
      ids[name] = await untrainedExperiment(rws, "r", name, seed);
      await scoreExperiment(rws, ids[name] as string, samplesAtPassRate(40, rate), { trainedTokens });
    };
    await scored("mid-a", 1, 0.6, 1_000);
    await scored("high", 2, 0.8, 3_000);
    await scored("mid-b", 3, 0.6, 2_000);
    ids.base = (await createExperiment(rws, { project: "r", model: "local-tiny", method: "none", name: "base" })).experiment.id;
    await scoreExperiment(rws, ids.base, samplesAtPassRate(40, 0.3));
    ids.pending = await untrainedExperiment(rws, "r", "pending", 4);
  });
  afterAll(async () => rws.dispose());

  const board = (query: Omit<LeaderboardQuery, "project"> = {}, priceOf?: PriceOf) => leaderboard(rws, { project: "r", ...query }, priceOf);
  const cells = async (query: Omit<LeaderboardQuery, "project"> = {}) => (await board(query)).rows.map((r) => `${r.name}:${r.rank ?? "-"}`);

  it("ranks by the primary metric's mean with its interval; ties share a rank; unscored rows come last, unranked", async () => {
    const result = await board();
    expect(result.primaryMetric).toBe("exact");
    expect(result.elsewhere).toEqual([]);
    expect(result.rows.map((r) => r.rank)).toEqual([1, 2, 2, 4, null]);
    // the tie keeps creation order
    expect(result.rows.slice(0, 3).map((r) => r.name)).toEqual(["high", "mid-a", "mid-b"]);
    expect(result.rows.slice(3).map((r) => [r.name, r.method, r.status])).toEqual([
      ["base", "none", "completed"],
      ["pending", "supervised", "created"],
    ]);
    const byName = new Map(result.rows.map((r) => [r.name, r]));
    for (const [name, rate] of [
      ["high", "0.8"],
      ["mid-a", "0.6"],
      ["mid-b", "0.6"],
      ["base", "0.3"],
    ] as const) {
      const row = byName.get(name);
      const want = ranking[rate];
      expect(row?.score, name).toBeCloseTo(want?.mean ?? Number.NaN, 12);
      expect(row?.interval?.low, name).toBeCloseTo(want?.interval.low ?? Number.NaN, 12);
      expect(row?.interval?.high, name).toBeCloseTo(want?.interval.high ?? Number.NaN, 12);
      expect(row?.graders.exact?.mean, name).toBe(row?.score);
      expect(row?.resultCounts?.total, name).toBe(40);
      expect(row?.evalRunId, name).not.toBeNull();
    }
    expect(byName.get("high")?.resultCounts).toEqual({ total: 40, passed: 33, failed: 7, errored: 0 });
    expect(byName.get("pending")).toMatchObject({ score: null, interval: null, resultCounts: null, evalRunId: null });
  });

  it("sorts by any column, nulls last either way, ties in creation order; score and trained tokens descend by default", async () => {
    expect(await cells({ sort: "score" })).toEqual(["high:1", "mid-a:2", "mid-b:2", "base:4", "pending:-"]);
    expect(await cells({ sort: "score", order: "asc" })).toEqual(["base:4", "mid-a:2", "mid-b:2", "high:1", "pending:-"]);
    expect(await cells({ sort: "rank", order: "desc" })).toEqual(["base:4", "mid-a:2", "mid-b:2", "high:1", "pending:-"]);
    expect(await cells({ sort: "trained_tokens" })).toEqual(["high:1", "mid-b:2", "mid-a:2", "base:4", "pending:-"]);
    expect(await cells({ sort: "name" })).toEqual(["base:4", "high:1", "mid-a:2", "mid-b:2", "pending:-"]);
    expect(await cells({ sort: "name", order: "desc" })).toEqual(["pending:-", "mid-b:2", "mid-a:2", "high:1", "base:4"]);
  });

  it("prices training and sampling when given prices, sorts by cost, and local runs cost nothing without them", async () => {
    const free = await board({ sort: "cost" });
    expect(free.rows.map((r) => r.costUsd)).toEqual([0, 0, 0, 0, 0]);
    const priced = await board({ sort: "cost", order: "desc" }, () => ({ training: 10, input: 1, output: 2 }));
    expect(priced.rows.map((r) => r.name)).toEqual(["high", "mid-b", "mid-a", "base", "pending"]);
    // trained tokens × $10 per million; the seeded samples used no tokens
    const costs = priced.rows.map((r) => r.costUsd ?? Number.NaN);
    for (const [i, want] of [0.03, 0.02, 0.01, 0, 0].entries()) expect(costs[i]).toBeCloseTo(want, 12);
  });

  it("filters by status, dataset, method and base model (ranking the rows left), and limits the rows", async () => {
    expect(await cells({ status: "created" })).toEqual(["pending:-"]);
    expect((await cells({ status: "completed" })).length).toBe(4);
    expect(await cells({ method: "none" })).toEqual(["base:1"]);
    expect(await cells({ dataset: "train@1", sort: "rank" })).toEqual(["high:1", "mid-a:2", "mid-b:2", "pending:-"]);
    expect((await cells({ dataset: "train@1", sort: "name" })).map((c) => c.split(":")[0])).toEqual(["high", "mid-a", "mid-b", "pending"]);
    expect(await cells({ dataset: "train@2" })).toEqual([]);
    expect(await cells({ model: "gpt-4o-mini" })).toEqual([]);
    expect(await cells({ limit: 2, sort: "trained_tokens" })).toEqual(["high:1", "mid-b:2"]);
  });

  it("refuses a status that is no experiment status, naming the field and the statuses, instead of an empty board", async () => {
    const refused = board({ status: "finished" as never });
    await expect(refused).rejects.toMatchObject({ code: "invalid_argument" });
    await expect(refused).rejects.toThrow(/^status: .*"created".*"cancelled"/);
  });

  it("refuses a malformed dataset filter (train@x, @1, train@1@2) naming the field, instead of an empty or another board", async () => {
    for (const dataset of ["train@x", "@1", "train@1@2", "train@0"]) {
      const refused = board({ dataset });
      await expect(refused, dataset).rejects.toMatchObject({ code: "invalid_argument" });
      await expect(refused, dataset).rejects.toThrow(/^dataset: expected NAME or NAME@N, e.g. train@2$/);
    }
  });

  it("pages the sorted board with limit and offset, keeping the whole board's ranks, and says how many rows it has", async () => {
    const all = await cells();
    expect(all).toEqual(["high:1", "mid-a:2", "mid-b:2", "base:4", "pending:-"]);
    const first = await board({ limit: 2 });
    expect(first.rows.map((r) => `${r.name}:${r.rank ?? "-"}`)).toEqual(all.slice(0, 2));
    expect({ total: first.total, offset: first.offset, limit: first.limit }).toEqual({ total: 5, offset: 0, limit: 2 });
    expect(await cells({ limit: 2, offset: 2 })).toEqual(["mid-b:2", "base:4"]);
    expect(await cells({ limit: 2, offset: 4 })).toEqual(["pending:-"]);
    const past = await board({ offset: 9 });
    expect([past.rows, past.total]).toEqual([[], 5]);
    // the filters apply before the page: total counts the filtered board
    expect((await board({ status: "completed", limit: 1, offset: 1 })).total).toBe(4);
    await expect(board({ offset: -1 })).rejects.toMatchObject({ code: "invalid_argument", message: /^offset: / });
  });

  it("refuses an unknown sort column naming the columns, a bad order or limit, and an unknown project", async () => {
    await expect(board({ sort: "bogus" as never })).rejects.toMatchObject({
      code: "invalid_argument",
      message: `cannot sort by "bogus"; columns: ${LEADERBOARD_COLUMNS.join(", ")}`,
    });
    await expect(board({ order: "sideways" as never })).rejects.toMatchObject({ code: "invalid_argument", message: /^order: / });
    await expect(board({ limit: 0 })).rejects.toMatchObject({ code: "invalid_argument", message: /^limit: / });
    await expect(leaderboard(rws, { project: "nope" })).rejects.toMatchObject({ code: "not_found" });
  });

  it("keeps runs on another grader set or test split off the board, listed apart, and shows an older board on request", async () => {
    const v1 = await board();
    // a new grader set: the runs scored so far move off the current board; the unscored experiment stays on it
    await saveGraderSet(rws, "r", { graders: [EXACT, SIM] });
    const v2 = await board();
    expect(v2.graderSetId).not.toBe(v1.graderSetId);
    expect(v2.testSplitVersionId).toBe(v1.testSplitVersionId);
    expect(v2.rows.map((r) => r.name)).toEqual(["pending"]);
    expect(v2.elsewhere).toEqual([{ testSplitVersionId: v1.testSplitVersionId, graderSetId: v1.graderSetId, experiments: 4 }]);
    ids.rescored = await untrainedExperiment(rws, "r", "rescored", 5);
    await scoreExperiment(rws, ids.rescored, samplesAtPassRate(40, 0.5));
    expect((await board()).rows.map((r) => `${r.name}:${r.rank ?? "-"}`)).toEqual(["rescored:1", "pending:-"]);
    // the old board, asked for by its grader set: its four runs ranked as before, the new run listed apart
    // (the unscored experiment will be scored with the current graders: it is on their board only)
    const old = await board({ graderSetId: v1.graderSetId ?? "" });
    expect(old.rows.map((r) => r.rank)).toEqual([1, 2, 2, 4]);
    expect(old.elsewhere).toEqual([{ testSplitVersionId: v1.testSplitVersionId, graderSetId: v2.graderSetId, experiments: 1 }]);
    // a new test split version starts a new board too
    const test2 = Array.from({ length: 40 }, (_, i) => chat(`new question ${i}`, `new answer ${i}`));
    expect((await setTestSplit(rws, { project: "r", text: jsonl(test2), fileName: "test2.jsonl" })).status).toBe("created");
    const v3 = await board();
    expect(v3.testSplitVersionId).not.toBe(v1.testSplitVersionId);
    expect(v3.rows.map((r) => r.name)).toEqual(["pending"]);
    expect(v3.elsewhere.map((e) => e.experiments).sort()).toEqual([1, 4]);
  });

  it("shows an older test split's board on request (test@1 or 1), with the filters, sort and pages, and names the splits", async () => {
    // (after the test above: test@2 is current, with the second grader set; test@1 has runs on both grader sets)
    ids.onNew = await untrainedExperiment(rws, "r", "on-new", 6);
    await scoreExperiment(rws, ids.onNew, samplesAtPassRate(40, 0.9));
    const current = await board();
    expect([current.testSplit, current.currentTestSplit]).toEqual(["test@2", "test@2"]);
    expect(current.rows.map((r) => `${r.name}:${r.rank ?? "-"}`)).toEqual(["on-new:1", "pending:-"]);
    // asking for the current split by name is the default board
    expect(await board({ split: "test@2" })).toEqual(current);

    const old = await board({ split: "test@1" });
    expect([old.testSplit, old.currentTestSplit, old.testSplitVersionId]).toEqual([
      "test@1",
      "test@2",
      current.elsewhere[0]?.testSplitVersionId,
    ]);
    expect(old.graderSetId).toBe(current.graderSetId);
    // the run scored on test@1 with the current graders, ranked; the unscored experiment belongs to the current board
    expect(old.rows.map((r) => `${r.name}:${r.rank ?? "-"}`)).toEqual(["rescored:1"]);
    expect(old.elsewhere.map((e) => [e.testSplitVersionId === current.testSplitVersionId, e.experiments]).sort()).toEqual([
      [false, 4],
      [true, 1],
    ]);
    expect(await board({ split: "1" })).toEqual(old);

    // with the first grader set too: test@1's original board, filtered, sorted and paged as any board
    const first = { split: "test@1", graderSetId: old.elsewhere.find((e) => e.experiments === 4)?.graderSetId ?? "" };
    expect(await cells(first)).toEqual(["high:1", "mid-a:2", "mid-b:2", "base:4"]);
    expect(await cells({ ...first, sort: "name", limit: 2, offset: 1 })).toEqual(["high:1", "mid-a:2"]);
    expect(await cells({ ...first, method: "none" })).toEqual(["base:1"]);
    expect((await board({ ...first, limit: 1 })).total).toBe(4);

    await expect(board({ split: "test@3" })).rejects.toMatchObject({
      code: "not_found",
      message: "project r has no test split test@3 (its test splits: test@1, test@2)",
    });
    await expect(board({ split: "train@1" })).rejects.toMatchObject({ code: "invalid_argument", message: /^split: expected test@N or N/ });
    await expect(board({ split: "0" })).rejects.toMatchObject({ code: "invalid_argument", message: /^split: / });
  });

  it("shows an older grader set's board on request (graders@1 or 1), on any split, and names the grader sets", async () => {
    // (after the tests above: test@2 and graders@2 are current; test@1 has four runs on graders@1 and one on graders@2)
    const current = await board();
    expect([current.graderSet, current.currentGraderSet]).toEqual(["graders@2", "graders@2"]);
    // asking for the current grader set by name is the default board
    expect(await board({ graders: "graders@2" })).toEqual(current);
    expect(await board({ graders: "2", split: "test@2" })).toEqual(current);

    // test@1's original board: the runs scored with graders@1, ranked, and the unscored experiment on the current board only
    const first = await board({ split: "test@1", graders: "graders@1" });
    expect([first.testSplit, first.currentTestSplit, first.graderSet, first.currentGraderSet, first.primaryMetric]).toEqual([
      "test@1",
      "test@2",
      "graders@1",
      "graders@2",
      "exact",
    ]);
    expect(first.rows.map((r) => `${r.name}:${r.rank ?? "-"}`)).toEqual(["high:1", "mid-a:2", "mid-b:2", "base:4"]);
    expect(first.graderSetId).toBe(current.elsewhere.find((e) => e.experiments === 4)?.graderSetId);
    expect(first.elsewhere.map((e) => [e.graderSetId === current.graderSetId, e.experiments]).sort()).toEqual([
      [true, 1],
      [true, 1],
    ]);
    expect(await board({ split: "1", graders: "1" })).toEqual(first);
    // the same board as asked for by the grader set's id, filtered, sorted and paged as any board
    expect(await board({ split: "test@1", graderSetId: first.graderSetId ?? "" })).toEqual(first);
    expect(await cells({ split: "test@1", graders: "graders@1", sort: "name", limit: 2, offset: 1 })).toEqual(["high:1", "mid-a:2"]);
    expect(await cells({ split: "test@1", graders: "graders@1", method: "none" })).toEqual(["base:1"]);
    // graders@1 on the current split: nothing was scored there with them, and the unscored experiment is not theirs
    const none = await board({ graders: "graders@1" });
    expect([none.testSplit, none.graderSet, none.rows, none.total]).toEqual(["test@2", "graders@1", [], 0]);

    await expect(board({ graders: "graders@3" })).rejects.toMatchObject({
      code: "not_found",
      message: "project r has no grader set graders@3 (its grader sets: graders@1, graders@2)",
      details: { graders: "graders@3", graderSets: ["graders@1", "graders@2"] },
    });
    for (const bad of ["test@1", "0", "graders@", "graders@x"])
      await expect(board({ graders: bad }), bad).rejects.toMatchObject({
        code: "invalid_argument",
        message: /^graders: expected graders@N or N, e\.g\. graders@1/,
      });
    await expect(board({ graders: "1", graderSetId: first.graderSetId ?? "" })).rejects.toMatchObject({
      code: "invalid_argument",
      message: /^graders: /,
    });
  });
});

describe("an older test split's board in a project without one", () => {
  it("is not_found, saying the project has no test split yet", async () => {
    await expect(leaderboard(ws, { project: "p", split: "test@1" })).rejects.toMatchObject({
      code: "not_found",
      message: "project p has no test split test@1 (it has no test split yet: `tunelab split FILE --project P`)",
    });
  });

  it("asked for a grader set, is not_found, saying the project has no graders yet", async () => {
    await expect(leaderboard(ws, { project: "p", graders: "graders@1" })).rejects.toMatchObject({
      code: "not_found",
      message: "project p has no grader set graders@1 (it has no graders yet: `tunelab graders add FILE`)",
    });
  });
});

describe("ties", () => {
  it("ranks equal means as a tie even when summing the items in another order rounds them apart", async () => {
    const tws = await tempWorkspace();
    try {
      await seedScoredProject(tws, { project: "t", items: 3, graders: [SIM] });
      const scored = async (name: string, seed: number, scores: number[]) => {
        const id = await untrainedExperiment(tws, "t", name, seed);
        await scoreExperiment(
          tws,
          id,
          scores.map((score, i) => ({ itemId: String(i + 1), grades: { sim: { score, passed: score >= 0.5 } } })),
        );
      };
      // the same three scores on other items: (0.1 + 0.2 + 0.3) / 3 and (0.3 + 0.2 + 0.1) / 3 differ in the last bit
      await scored("up", 1, [0.1, 0.2, 0.3]);
      await scored("down", 2, [0.3, 0.2, 0.1]);
      await scored("low", 3, [0.1, 0.1, 0.1]);
      const rows = (await leaderboard(tws, { project: "t" })).rows;
      expect(rows.map((r) => `${r.name}:${r.rank}`)).toEqual(["up:1", "down:1", "low:3"]);
      expect(rows[0]?.score).not.toBe(rows[1]?.score); // the tie is not exact in floating point
    } finally {
      await tws.dispose();
    }
  });
});
