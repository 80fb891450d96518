// Score columns carry exactly what the paired statistics read of a grade: a comparison of two runs from their columns
// equals the comparison from their samples' grades, with trials, errored grades, a grader missing on some items, a
// null score (a non-finite score after JSON) and tags; a layout this code does not know is not read.
import { compareGrader, compareRuns, type Grade, type ScoredItem, statusOf } from "@tunelab/evals";
import { describe, expect, it } from "vitest";
import { fromScoreColumns, SCORE_COLUMNS_FORMAT, toScoreColumns } from "./score-columns.ts";

function run(seed: number, trials: number): ScoredItem[] {
  const items: ScoredItem[] = [];
  for (let i = 0; i < 40; i++)
    for (let t = 0; t < trials; t++) {
      const x = ((i * 7919 + seed * 104729 + t * 31) % 1000) / 1000;
      const grades: Record<string, Grade> = {
        exact: { score: x < 0.6 ? 1 : 0, passed: x < 0.6, reason: `item ${i}` },
        sim: i % 9 === 4 ? { score: 0, passed: false, error: { type: "other_error", message: "boom" } } : { score: x, passed: x >= 0.5 },
      };
      if (i % 11 !== 3) grades.partial = { score: i === 5 ? (null as unknown as number) : -x, passed: x > 0.2, subScores: { a: 1 } };
      items.push({
        item_id: String(i + 1),
        ...(trials > 1 ? { trial: t } : {}),
        tags: i % 3 === 0 ? ["odd", "x"] : i % 3 === 1 ? ["even"] : [],
        grades,
      });
    }
  return items;
}

const roundTrip = (items: ScoredItem[]) => {
  const columns = toScoreColumns(items.map((item, i) => ({ position: Math.floor(i / 2) + 100, item })));
  if (!columns) throw new Error("no columns");
  const side = fromScoreColumns(columns);
  if (!side) throw new Error("columns not read");
  return side;
};

describe("score columns", () => {
  it("keep each sample's id, trial, tags, position, and each grade's score, pass and status", () => {
    const items = run(1, 2);
    const side = roundTrip(items);
    expect(side.items.map((item) => [item.item_id, item.trial, item.tags])).toEqual(
      items.map((item) => [item.item_id, item.trial, item.tags]),
    );
    expect(side.positions.get("1")).toBe(100);
    expect(side.positions.get("40")).toBe(139);
    for (const [s, item] of items.entries()) {
      const got = side.items[s]?.grades ?? {};
      expect(Object.keys(got).sort()).toEqual(Object.keys(item.grades).sort());
      for (const [name, grade] of Object.entries(item.grades)) {
        expect(got[name]?.score).toBe(grade.score);
        expect(got[name]?.passed).toBe(grade.passed);
        expect(statusOf(got[name] as Grade)).toBe(statusOf(grade));
      }
    }
    expect(side.items[10]?.grades.partial?.score).toBeNull();
  });

  it("give the comparison the samples give, with and without trials", () => {
    for (const trials of [1, 3]) {
      const [a, b] = [run(1, trials), run(2, trials)];
      const [ca, cb] = [roundTrip(a).items, roundTrip(b).items];
      expect(compareRuns(ca, cb)).toEqual(compareRuns(a, b));
      const odd = (items: ScoredItem[]) => items.filter((item) => item.tags?.includes("odd"));
      expect(compareGrader(odd(ca), cb, "sim")).toEqual(compareGrader(odd(a), b, "sim"));
    }
  });

  it("are not made from a score that is not a number, nor read in a layout this code does not know", () => {
    const bad: ScoredItem[] = [{ item_id: "1", grades: { exact: { score: "1" as unknown as number, passed: true } } }];
    expect(toScoreColumns([{ position: 0, item: bad[0] as ScoredItem }])).toBeUndefined();
    const columns = toScoreColumns(run(1, 1).map((item, position) => ({ position, item })));
    if (!columns) throw new Error("no columns");
    expect(fromScoreColumns({ ...columns, format: SCORE_COLUMNS_FORMAT + 1 })).toBeUndefined();
    expect(fromScoreColumns({ ...columns, samples: columns.samples - 1 })).toBeUndefined();
  });

  it("are the same whether items share their tag lists (as a run's stored rows do) or each has its own", () => {
    const lists = [["odd", "x"], ["even"], []];
    const shared = run(3, 2).map((item, i) => ({ ...item, tags: lists[i % 3] as string[] }));
    const own = shared.map((item) => ({ ...item, tags: [...(item.tags ?? [])] }));
    const columns = (items: ScoredItem[]) => toScoreColumns(items.map((item, position) => ({ position, item })));
    const [a, b] = [columns(shared), columns(own)];
    expect(a).toEqual(b);
    expect(JSON.parse(a?.items_json ?? "{}").tagSets).toEqual(lists);
    expect(roundTrip(shared).items.map((item) => item.tags)).toEqual(shared.map((item) => item.tags));
  });
});
