import { type Grade, statusOf } from "../grade.ts";
import { type BootstrapOptions, bootstrapMeanInterval, bootstrapMeanIntervals, mean } from "./bootstrap.ts";
import type { Interval } from "./interval.schema.ts";
import type { ScoredItem } from "./scored-item.ts";
import type { GraderSummary } from "./summary.schema.ts";
import { meanOfItemMeans, summarizeTrials, twoLevelMeanInterval } from "./trials.ts";
import { wilsonInterval } from "./wilson.ts";

export function summarizeGrades(grades: readonly Grade[], options: BootstrapOptions = {}): GraderSummary {
  const tally = tallyGrades(grades);
  return summaryOf(tally, bootstrapMeanInterval(tally.scores, options));
}

interface GradeTally {
  /** The scores of the grades that did not error, in order. */
  scores: number[];
  passed: number;
  failed: number;
  errored: number;
}

function tallyGrades(grades: readonly Grade[]): GradeTally {
  const scores: number[] = [];
  let passed = 0;
  let failed = 0;
  let errored = 0;
  for (const grade of grades) {
    const status = statusOf(grade);
    if (status === "errored") {
      errored++;
      continue;
    }
    if (status === "passed") passed++;
    else failed++;
    scores.push(grade.score);
  }
  return { scores, passed, failed, errored };
}

function summaryOf({ scores, passed, failed, errored }: GradeTally, meanInterval: Interval | null): GraderSummary {
  const n = passed + failed;
  return {
    n,
    passed,
    failed,
    errored,
    mean: n === 0 ? null : mean(scores),
    passRate: n === 0 ? null : passed / n,
    ci: { mean: meanInterval, passRate: wilsonInterval(passed, n) },
  };
}

/** One grader over items sampled several times: `trials[i]` holds item i's grades, one per trial. */
export function summarizeTrialGrades(trials: readonly (readonly Grade[])[], options: BootstrapOptions = {}): GraderSummary {
  let passed = 0;
  let failed = 0;
  let errored = 0;
  const items = trials.map((grades) => {
    const scores: number[] = [];
    const passes: boolean[] = [];
    for (const grade of grades) {
      const status = statusOf(grade);
      if (status === "errored") {
        errored++;
        continue;
      }
      if (status === "passed") passed++;
      else failed++;
      scores.push(grade.score);
      passes.push(status === "passed");
    }
    return { scores, passes };
  });
  const scored = items.filter((i) => i.scores.length > 0);
  const scoreGroups = scored.map((i) => i.scores);
  const passGroups = scored.map((i) => i.passes.map((p) => (p ? 1 : 0)));
  return {
    n: passed + failed,
    passed,
    failed,
    errored,
    mean: scored.length === 0 ? null : meanOfItemMeans(scoreGroups),
    passRate: scored.length === 0 ? null : meanOfItemMeans(passGroups),
    ci: { mean: twoLevelMeanInterval(scoreGroups, options), passRate: twoLevelMeanInterval(passGroups, options) },
    trials: summarizeTrials(items),
  };
}

/** True when some item appears more than once (a run with several trials per item). */
export function hasTrials(items: readonly ScoredItem[]): boolean {
  const seen = new Set<string>();
  for (const item of items) {
    if ((item.trial ?? 0) > 0 || seen.has(item.item_id)) return true;
    seen.add(item.item_id);
  }
  return false;
}

/** Each item's entries in first-seen order (its trials), for runs with several trials per item. */
export function groupTrials<T extends ScoredItem>(items: readonly T[]): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(item.item_id) ?? [];
    group.push(item);
    groups.set(item.item_id, group);
  }
  return [...groups.values()];
}

/**
 * One summary per grader name found on the items (sorted by name). Items without a grade for a grader are skipped.
 * When an item appears several times (trials), the trials path (`summarizeTrialGrades`) is taken.
 */
export function summarizeGraders(items: readonly ScoredItem[], options: BootstrapOptions = {}): Record<string, GraderSummary> {
  if (hasTrials(items)) return summarizeTrialGraders(items, options);
  const byGrader = new Map<string, Grade[]>();
  for (const item of items) {
    const grades = item.grades;
    // for-in rather than Object.entries: no array per item (a large run has tens of thousands of items)
    for (const name in grades) {
      let list = byGrader.get(name);
      if (!list) {
        list = [];
        byGrader.set(name, list);
      }
      list.push(grades[name] as Grade);
    }
  }
  // graders scored on the same number of items are resampled together (bootstrapMeanIntervals: the same intervals as
  // one call each, sharing draws where they can)
  const names = [...byGrader.keys()].sort();
  const tallies = names.map((name) => tallyGrades(byGrader.get(name) ?? []));
  const intervals = bootstrapMeanIntervals(
    tallies.map((t) => t.scores),
    options,
  );
  const result: Record<string, GraderSummary> = {};
  for (const [i, name] of names.entries()) result[name] = summaryOf(tallies[i] as GradeTally, intervals[i] ?? null);
  return result;
}

function summarizeTrialGraders(items: readonly ScoredItem[], options: BootstrapOptions): Record<string, GraderSummary> {
  const groups = groupTrials(items);
  const names = new Set(items.flatMap((item) => Object.keys(item.grades)));
  const result: Record<string, GraderSummary> = {};
  for (const name of [...names].sort()) {
    const perItem = groups.map((trials) => trials.flatMap((t) => t.grades[name] ?? [])).filter((grades) => grades.length > 0);
    result[name] = summarizeTrialGrades(perItem, options);
  }
  return result;
}
