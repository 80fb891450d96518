// Finalizing keeps only what the statistics read of each stored grade (score, passed, error): the summaries and the
// score columns must come out exactly as from the full grades.
import type { Grade } from "@tunelab/evals";
import { summarizeByTag, summarizeGraders } from "@tunelab/evals/aggregates";
import { describe, expect, it } from "vitest";
import { toScoreColumns } from "../score-columns.ts";
import { toScoredItem } from "./finalize-run.ts";
import { toStatisticsItem } from "./stored-scores.ts";

const rows = Array.from({ length: 60 }, (_, i) => {
  const grades: Record<string, Grade> = {
    exact:
      i % 11 === 0 ? { score: 0, passed: false, error: { type: "other_error", message: "boom" } } : { score: i % 2, passed: i % 2 === 1 },
    similar: { score: (i % 7) / 7, passed: i % 7 > 3, reason: `similarity ${(i % 7) / 7} vs 0.5`, subScores: { a: i % 3, b: 0.5 } },
  };
  return {
    item_id: `item-${i}`,
    trial: 0,
    position: i,
    tags_json: JSON.stringify(i % 3 ? ["a"] : ["b", "c"]),
    grades_json: JSON.stringify(grades),
  };
});

describe("toStatisticsItem", () => {
  it("keeps score, passed and error of each grade, nothing else", () => {
    const item = toStatisticsItem(rows[0] as (typeof rows)[number]);
    expect(item).toEqual({
      item_id: "item-0",
      trial: 0,
      tags: ["b", "c"],
      grades: { exact: { score: 0, passed: false, error: { type: "other_error", message: "boom" } }, similar: { score: 0, passed: false } },
    });
  });

  it("gives the same summaries, slices and score columns as the full grades", () => {
    const full = rows.map(toScoredItem);
    const slim = rows.map(toStatisticsItem);
    expect(summarizeGraders(slim, { seed: 3 })).toEqual(summarizeGraders(full, { seed: 3 }));
    expect(summarizeByTag(slim, { seed: 3 })).toEqual(summarizeByTag(full, { seed: 3 }));
    const positioned = (items: typeof full) => items.map((item, i) => ({ position: rows[i]?.position ?? 0, item }));
    expect(toScoreColumns(positioned(slim))).toEqual(toScoreColumns(positioned(full)));
  });
});
