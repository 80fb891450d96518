import { type Grade, itemTrialStats, statusOf } from "@tunelab/evals";
import type { DB } from "../storage/database.ts";
import { runSamples } from "./eval-run.repository.ts";
import type { ItemTrials } from "./item-trials.schema.ts";

/**
 * Per-item results of a run over its trials, in test-split order. Errored grades are left out of a grader's figures
 * (as in every summary); an item whose every trial errored on a grader has `trials: 0` there.
 */
export async function itemTrials(db: DB, runId: string): Promise<ItemTrials[]> {
  const byItem = new Map<string, { tags: string[]; trials: number; errored: number; grades: Map<string, Grade[]> }>();
  for (const row of await runSamples(db, runId)) {
    const entry = byItem.get(row.item_id) ?? { tags: JSON.parse(row.tags_json) as string[], trials: 0, errored: 0, grades: new Map() };
    entry.trials++;
    if (row.status === "errored") entry.errored++;
    for (const [name, grade] of Object.entries(JSON.parse(row.grades_json) as Record<string, Grade>))
      entry.grades.set(name, [...(entry.grades.get(name) ?? []), grade]);
    byItem.set(row.item_id, entry);
  }
  return [...byItem.entries()].map(([itemId, entry]) => ({
    itemId,
    tags: entry.tags,
    trials: entry.trials,
    errored: entry.errored,
    graders: Object.fromEntries(
      [...entry.grades.entries()].map(([name, grades]) => {
        const scored = grades.filter((g) => statusOf(g) !== "errored");
        return [
          name,
          itemTrialStats(
            scored.map((g) => g.score),
            scored.filter((g) => statusOf(g) === "passed").length,
          ),
        ];
      }),
    ),
  }));
}

/** Items whose pass rate on `grader` is strictly between 0 and 1, the most uncertain (closest to 0.5) first. */
export function flakiest(items: readonly ItemTrials[], grader: string): ItemTrials[] {
  const rate = (item: ItemTrials) => item.graders[grader]?.passRate ?? null;
  return items
    .filter((item) => {
      const r = rate(item);
      return r !== null && r > 0 && r < 1;
    })
    .sort((x, y) => Math.abs((rate(x) ?? 0) - 0.5) - Math.abs((rate(y) ?? 0) - 0.5));
}
