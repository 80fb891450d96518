import { type BootstrapOptions, compareGrader, hasTrials, pairRuns, type ScoredItem, sliceByTag, statusOf } from "@tunelab/evals";
import type { TagComparison } from "./compare.schema.ts";

export interface CompareBreakdown {
  /** The grader the breakdown is on; null when the runs share no primary metric (then it is empty). */
  grader: string | null;
  /** One row per tag, sorted by tag. An item with several tags counts in each; untagged items in none. */
  byTag: TagComparison[];
  /** Compared items with no tag. */
  untagged: number;
  /** Items both runs failed (graded, not errored, not passed), sorted by id. */
  bothFailed: string[];
}

/** Item ids in natural order: numbers by value, then text. */
export const byItemId = (x: string, y: string) => Number(x) - Number(y) || (x < y ? -1 : x > y ? 1 : 0);

/**
 * Per item id, whether it failed on `grader`: its grade's status, or with several trials, whether it passed in at most
 * half of its scored trials (compare's majority rule). Items with no scored grade (errored or missing) are left out.
 */
function failedByItem(items: readonly ScoredItem[], grader: string): Map<string, boolean> {
  const tally = new Map<string, { passed: number; scored: number }>();
  for (const item of items) {
    const grade = item.grades[grader];
    if (!grade || statusOf(grade) === "errored") continue;
    const t = tally.get(item.item_id) ?? { passed: 0, scored: 0 };
    t.scored++;
    if (statusOf(grade) === "passed") t.passed++;
    tally.set(item.item_id, t);
  }
  return new Map([...tally].map(([id, t]) => [id, t.passed * 2 <= t.scored]));
}

/** Ids of the items both runs failed on `grader`; a pair with an errored or missing grade is neither passed nor failed. */
export function bothFailed(a: readonly ScoredItem[], b: readonly ScoredItem[], grader: string): string[] {
  const failedB = failedByItem(b, grader);
  return [...failedByItem(a, grader)]
    .filter(([id, failed]) => failed && failedB.get(id) === true)
    .map(([id]) => id)
    .sort(byItemId);
}

/**
 * Per tag (tags as run A recorded them), the paired comparison of `grader`, and the items both runs failed (`failed`
 * when the caller has them already: `bothFailed(a, b, grader)`).
 */
export function compareBreakdown(
  a: readonly ScoredItem[],
  b: readonly ScoredItem[],
  grader: string | null,
  options: BootstrapOptions = {},
  failed: string[] = grader === null ? [] : bothFailed(a, b, grader),
): CompareBreakdown {
  if (grader === null) return { grader, byTag: [], untagged: 0, bothFailed: [] };
  const failedSet = new Set(failed);
  // B's side pairs up once for every tag
  const { byIdB } = pairRuns([], b);
  const trialsB = hasTrials(b);
  const byTag = Object.entries(sliceByTag(a)).map(([tag, slice]): TagComparison => {
    const g = compareGrader(slice, b, grader, options, { byIdB, trials: trialsB || hasTrials(slice) });
    return {
      tag,
      n: g.n,
      meanA: g.meanA,
      meanB: g.meanB,
      delta: g.delta,
      regressed: g.regressed.length,
      improved: g.improved.length,
      bothFailed: new Set(slice.filter((item) => failedSet.has(item.item_id)).map((item) => item.item_id)).size,
    };
  });
  const untagged = new Set(a.filter((item) => (item.tags ?? []).length === 0 && byIdB.has(item.item_id)).map((item) => item.item_id)).size;
  return { grader, byTag, untagged, bothFailed: failed };
}
