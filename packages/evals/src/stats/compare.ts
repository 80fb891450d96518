import { z } from "zod";
import { statusOf } from "../grade.ts";
import { type BootstrapOptions, mean } from "./bootstrap.ts";
import { McNemarResult, mcnemarExact } from "./mcnemar.ts";
import { PairedDelta, pairedBootstrap } from "./paired.ts";
import type { ScoredItem } from "./scored-item.ts";
import { groupTrials, hasTrials } from "./summary.ts";
import { pairedTwoLevelBootstrap, type TrialPair } from "./trials.ts";

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
  /** Mean of `scoreB - scoreA` with a paired-bootstrap interval and a paired sign-flip p-value. */
  delta: PairedDelta,
  /** McNemar's exact test on the pass/fail discordant pairs. */
  mcnemar: McNemarResult,
  /** Items passed in A and failed in B, in A's order. */
  regressed: z.array(z.string()),
  /** Items failed in A and passed in B, in A's order. */
  improved: z.array(z.string()),
  /**
   * Present when either run sampled items several times: the most trials per item on each side. Then means are
   * item-weighted, `delta` is a two-level paired bootstrap (trials.ts), and an item counts as passed on a side when
   * it passed in more than half of that side's scored trials (for `regressed`, `improved` and McNemar).
   */
  trials: z.object({ a: z.number().int(), b: z.number().int() }).optional(),
});
export type GraderComparison = z.infer<typeof GraderComparison>;

/** How run A's items pair with run B's, worked out once for all the graders (and tags) compared. */
export interface RunPairing {
  /** B's items by id (with trials, the last of each id; the trial path groups them itself). */
  byIdB: ReadonlyMap<string, ScoredItem>;
  /** Whether either run sampled items several times. */
  trials: boolean;
}

export function pairRuns(a: readonly ScoredItem[], b: readonly ScoredItem[]): RunPairing {
  return { byIdB: new Map(b.map((item) => [item.item_id, item])), trials: hasTrials(a) || hasTrials(b) };
}

export function compareGrader(
  a: readonly ScoredItem[],
  b: readonly ScoredItem[],
  grader: string,
  options: BootstrapOptions = {},
  pairing: RunPairing = pairRuns(a, b),
): GraderComparison {
  if (pairing.trials) return compareTrialGrader(a, b, grader, options);
  const { byIdB } = pairing;
  let paired = 0;
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
    paired++;
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
  // without trials every id occurs once in each run: B's items that A's did not pair with
  const onlyInB = byIdB.size - paired;
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
  const namesOf = (items: readonly ScoredItem[]) => {
    const names = new Set<string>();
    for (const item of items) for (const name in item.grades) names.add(name);
    return names;
  };
  const namesB = namesOf(b);
  const pairing = pairRuns(a, b);
  const result: Record<string, GraderComparison> = {};
  for (const name of [...namesOf(a)].filter((n) => namesB.has(n)).sort()) result[name] = compareGrader(a, b, name, options, pairing);
  return result;
}

interface TrialSide {
  scores: number[];
  passes: number;
}

function trialSide(trials: readonly ScoredItem[], grader: string): TrialSide {
  const side: TrialSide = { scores: [], passes: 0 };
  for (const trial of trials) {
    const grade = trial.grades[grader];
    if (!grade || statusOf(grade) === "errored") continue;
    side.scores.push(grade.score);
    if (grade.passed) side.passes++;
  }
  return side;
}

/** `compareGrader` for runs with trials: items paired by id, each side's non-errored trials kept together. */
function compareTrialGrader(
  a: readonly ScoredItem[],
  b: readonly ScoredItem[],
  grader: string,
  options: BootstrapOptions,
): GraderComparison {
  const groupsB = new Map(groupTrials(b).map((trials) => [trials[0]?.item_id ?? "", trials]));
  const groupsA = groupTrials(a);
  const idsA = new Set(groupsA.map((trials) => trials[0]?.item_id ?? ""));
  const pairs: TrialPair[] = [];
  const regressed: string[] = [];
  const improved: string[] = [];
  let excluded = 0;
  let onlyInA = 0;
  let trialsA = 0;
  let trialsB = 0;
  for (const trials of groupsA) {
    const id = trials[0]?.item_id ?? "";
    const other = groupsB.get(id);
    if (!other) {
      onlyInA++;
      continue;
    }
    const sideA = trialSide(trials, grader);
    const sideB = trialSide(other, grader);
    if (sideA.scores.length === 0 || sideB.scores.length === 0) {
      excluded++;
      continue;
    }
    trialsA = Math.max(trialsA, sideA.scores.length);
    trialsB = Math.max(trialsB, sideB.scores.length);
    pairs.push({ a: sideA.scores, b: sideB.scores });
    const passedA = sideA.passes * 2 > sideA.scores.length;
    const passedB = sideB.passes * 2 > sideB.scores.length;
    if (passedA && !passedB) regressed.push(id);
    if (!passedA && passedB) improved.push(id);
  }
  const onlyInB = [...groupsB.keys()].filter((id) => !idsA.has(id)).length;
  const n = pairs.length;
  return {
    grader,
    n,
    excluded,
    onlyInA,
    onlyInB,
    meanA: n === 0 ? null : mean(pairs.map((p) => mean(p.a))),
    meanB: n === 0 ? null : mean(pairs.map((p) => mean(p.b))),
    delta: pairedTwoLevelBootstrap(pairs, options),
    mcnemar: mcnemarExact(regressed.length, improved.length),
    regressed,
    improved,
    trials: { a: trialsA, b: trialsB },
  };
}
