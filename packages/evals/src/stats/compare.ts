import { z } from "zod";
import { statusOf } from "../grade.ts";
import { type BootstrapOptions, mean } from "./bootstrap.ts";
import { McNemarResult, mcnemarExact } from "./mcnemar.ts";
import { PairedDelta, pairedBootstrap } from "./paired.ts";
import type { ScoredItem } from "./scored-item.ts";

/**
 * Run B (candidate) against run A (baseline) for one grader, on the items both runs graded. A pair where either
 * grade errored (or either run lacks the grader) is left out of every figure and counted in `excluded`.
 */
export const GraderComparison = z.object({
  grader: z.string(),
  /** Pairs compared. */
  n: z.number().int(),
  /** Item ids present in both runs whose pair was left out (errored grade or missing grader). */
  excluded: z.number().int(),
  onlyInA: z.number().int(),
  onlyInB: z.number().int(),
  meanA: z.number().nullable(),
  meanB: z.number().nullable(),
  /** Mean of `scoreB - scoreA` with a paired-bootstrap interval and p-value. */
  delta: PairedDelta,
  /** McNemar's exact test on the pass/fail discordant pairs. */
  mcnemar: McNemarResult,
  /** Items passed in A and failed in B, in A's order. */
  regressed: z.array(z.string()),
  /** Items failed in A and passed in B, in A's order. */
  improved: z.array(z.string()),
});
export type GraderComparison = z.infer<typeof GraderComparison>;

export function compareGrader(
  a: readonly ScoredItem[],
  b: readonly ScoredItem[],
  grader: string,
  options: BootstrapOptions = {},
): GraderComparison {
  const byIdB = new Map(b.map((item) => [item.item_id, item]));
  const idsA = new Set(a.map((item) => item.item_id));
  const scoresA: number[] = [];
  const scoresB: number[] = [];
  const regressed: string[] = [];
  const improved: string[] = [];
  let excluded = 0;
  let onlyInA = 0;
  for (const itemA of a) {
    const itemB = byIdB.get(itemA.item_id);
    if (!itemB) {
      onlyInA++;
      continue;
    }
    const gradeA = itemA.grades[grader];
    const gradeB = itemB.grades[grader];
    if (!gradeA || !gradeB || statusOf(gradeA) === "errored" || statusOf(gradeB) === "errored") {
      excluded++;
      continue;
    }
    scoresA.push(gradeA.score);
    scoresB.push(gradeB.score);
    if (gradeA.passed && !gradeB.passed) regressed.push(itemA.item_id);
    if (!gradeA.passed && gradeB.passed) improved.push(itemA.item_id);
  }
  const onlyInB = b.filter((item) => !idsA.has(item.item_id)).length;
  const n = scoresA.length;
  return {
    grader,
    n,
    excluded,
    onlyInA,
    onlyInB,
    meanA: n === 0 ? null : mean(scoresA),
    meanB: n === 0 ? null : mean(scoresB),
    delta: pairedBootstrap(
      scoresB.map((score, i) => score - (scoresA[i] ?? 0)),
      options,
    ),
    mcnemar: mcnemarExact(regressed.length, improved.length),
    regressed,
    improved,
  };
}

/** One comparison per grader name that appears in both runs (sorted by name). */
export function compareRuns(
  a: readonly ScoredItem[],
  b: readonly ScoredItem[],
  options: BootstrapOptions = {},
): Record<string, GraderComparison> {
  const namesOf = (items: readonly ScoredItem[]) => new Set(items.flatMap((item) => Object.keys(item.grades)));
  const namesB = namesOf(b);
  const result: Record<string, GraderComparison> = {};
  for (const name of [...namesOf(a)].filter((n) => namesB.has(n)).sort()) result[name] = compareGrader(a, b, name, options);
  return result;
}
