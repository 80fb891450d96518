// StoredScores holds a run's rows compactly while the finalize worker gathers them; what it gives back must be exactly
// what reading each row with toStatisticsItem in the database's order (position, trial) gives.
import type { Grade } from "@tunelab/evals";
import { describe, expect, it } from "vitest";
import { type StoredScoreRow, StoredScores, storedScoreBatch, toStatisticsItem } from "./stored-scores.ts";

function row(position: number, trial: number): StoredScoreRow {
  const i = position * 3 + trial;
  const grades: Record<string, Grade> = {};
  // the graders' order differs between rows, a grader is missing from some, scores are null (a non-finite score
  // stored as JSON), grades carry reasons, sub-scores and errors
  const names = i % 4 === 0 ? ["b", "a", "c"] : i % 5 === 0 ? ["a", "c"] : ["a", "b", "c"];
  for (const name of names)
    grades[name] =
      name === "a" && i % 7 === 0
        ? { score: 0, passed: false, error: { type: "other_error", message: `failed ${i}` } }
        : name === "b" && i % 6 === 0
          ? ({ score: null, passed: false } as unknown as Grade)
          : name === "c" && i % 9 === 0
            ? { score: 0, passed: false, reason: "zero", subScores: { x: 1 } }
            : { score: ((i * 37) % 100) / 100, passed: i % 2 === 0, reason: `r${i}` };
  if (i === 17) grades.a = { score: "high", passed: true } as unknown as Grade; // another shape: kept whole
  if (i === 23) grades.b = { score: 1 } as unknown as Grade; // no `passed`: kept whole
  return {
    item_id: `item-${position}`,
    position,
    trial,
    tags_json: JSON.stringify(i % 3 === 0 ? ["x"] : i % 3 === 1 ? ["x", "y"] : []),
    grades_json: JSON.stringify(grades),
    status: ["passed", "failed", "errored"][i % 3] as string,
    prompt_tokens: i,
    completion_tokens: 2 * i,
  };
}

const rows = Array.from({ length: 40 }, (_, p) => [0, 1, 2].map((t) => row(p, t))).flat();
/** A fixed shuffle (the order batches commit in is not the order of positions). */
const shuffled = rows
  .map((r, i) => ({ r, k: (i * 7919) % 101 }))
  .sort((a, b) => a.k - b.k)
  .map(({ r }) => r);

describe("StoredScores", () => {
  it("gives every row as toStatisticsItem reads it, in position then trial order, whatever order they came in", () => {
    const stored = new StoredScores();
    for (const r of shuffled) stored.add(r);
    const { scored, positions } = stored.ordered();
    expect(stored.size).toBe(rows.length);
    expect(scored).toEqual(rows.map(toStatisticsItem));
    expect(positions).toEqual(rows.map((r) => r.position));
    // toEqual does not tell a null score from a missing one, nor the order of keys: compare the exact JSON too
    expect(JSON.stringify(scored)).toBe(JSON.stringify(rows.map(toStatisticsItem)));
    expect(Object.keys(scored[0]?.grades ?? {})).toEqual(["b", "a", "c"]); // each row keeps its graders' order
  });

  it("counts statuses and usage", () => {
    const stored = new StoredScores();
    for (const r of shuffled) stored.add(r);
    expect(stored.counts).toEqual({
      passed: rows.filter((r) => r.status === "passed").length,
      failed: rows.filter((r) => r.status === "failed").length,
      errored: rows.filter((r) => r.status === "errored").length,
    });
    expect(stored.promptTokens).toBe(rows.reduce((sum, r) => sum + r.prompt_tokens, 0));
    expect(stored.completionTokens).toBe(rows.reduce((sum, r) => sum + r.completion_tokens, 0));
  });

  it("takes rows posted as columns (as the finalize worker gets each batch) as it takes them one by one", () => {
    const byRow = new StoredScores();
    for (const r of shuffled) byRow.add(r);
    const byBatch = new StoredScores();
    for (let i = 0; i < shuffled.length; i += 16) byBatch.addBatch(structuredClone(storedScoreBatch(shuffled.slice(i, i + 16))));
    expect(byBatch.size).toBe(rows.length);
    expect(JSON.stringify(byBatch.ordered())).toBe(JSON.stringify(byRow.ordered()));
    expect(byBatch.ordered().scored).toEqual(rows.map(toStatisticsItem));
    expect(byBatch.counts).toEqual(byRow.counts);
    expect([byBatch.promptTokens, byBatch.completionTokens]).toEqual([byRow.promptTokens, byRow.completionTokens]);
  });
});
