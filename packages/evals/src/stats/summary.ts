import { z } from "zod";
import { type Grade, statusOf } from "../grade.ts";
import { type BootstrapOptions, bootstrapMeanInterval, mean } from "./bootstrap.ts";
import { Interval } from "./interval.ts";
import type { ScoredItem } from "./scored-item.ts";
import { wilsonInterval } from "./wilson.ts";

/**
 * One grader over a set of items. Errored grades are counted in `errored` but excluded from `n`, `mean`,
 * `passRate` and the intervals: an errored grade says nothing about the model's quality, so it is neither a
 * pass nor a zero. `n = passed + failed`; `mean`, `passRate` and their intervals are `null` when `n` is 0.
 */
export const GraderSummary = z.object({
  n: z.number().int(),
  passed: z.number().int(),
  failed: z.number().int(),
  errored: z.number().int(),
  mean: z.number().nullable(),
  passRate: z.number().nullable(),
  ci: z.object({
    /** Seeded percentile bootstrap of the mean score. */
    mean: Interval.nullable(),
    /** Wilson score interval of the pass rate. */
    passRate: Interval.nullable(),
  }),
});
export type GraderSummary = z.infer<typeof GraderSummary>;

export function summarizeGrades(grades: readonly Grade[], options: BootstrapOptions = {}): GraderSummary {
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
  const n = passed + failed;
  return {
    n,
    passed,
    failed,
    errored,
    mean: n === 0 ? null : mean(scores),
    passRate: n === 0 ? null : passed / n,
    ci: { mean: bootstrapMeanInterval(scores, options), passRate: wilsonInterval(passed, n) },
  };
}

/** One summary per grader name found on the items (sorted by name). Items without a grade for a grader are skipped. */
export function summarizeGraders(items: readonly ScoredItem[], options: BootstrapOptions = {}): Record<string, GraderSummary> {
  const byGrader = new Map<string, Grade[]>();
  for (const item of items) {
    for (const [name, grade] of Object.entries(item.grades)) {
      const list = byGrader.get(name) ?? [];
      list.push(grade);
      byGrader.set(name, list);
    }
  }
  const result: Record<string, GraderSummary> = {};
  for (const name of [...byGrader.keys()].sort()) result[name] = summarizeGrades(byGrader.get(name) ?? [], options);
  return result;
}
