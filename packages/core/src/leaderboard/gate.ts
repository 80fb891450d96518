import { TunelabError } from "@tunelab/base";
import type { GraderComparison } from "@tunelab/evals";
import { getEvalRun } from "../eval-runs/eval-run.repository.ts";
import type { EvalRun } from "../eval-runs/eval-run.schema.ts";
import { flakiest, itemTrials } from "../eval-runs/item-trials.ts";
import { findExperiment } from "../experiments/experiment.repository.ts";
import { primaryMetricOf } from "../grader-sets/grader-set.repository.ts";
import type { Workspace } from "../storage/workspace.ts";
import type { Comparison } from "./compare.schema.ts";
import { compare } from "./compare.ts";
import { leaderboard } from "./leaderboard.ts";

export interface GateOptions {
  project: string;
  /** `best` (the leaderboard's top experiment), an experiment id or an eval run id. */
  baseline?: string;
  /** Fail when the primary metric's mean is below this. */
  minScore?: number;
  /**
   * Fail when the primary metric's mean drops more than this below the baseline's and the drop is significant. An
   * absolute difference in the metric's units (0.02 = 2 points on a 0..1 metric: 0.90 → 0.87 exceeds it), not a relative one.
   */
  maxDrop?: number;
  /** Significance level for the drop (paired sign-flip p-value, see signFlipPValue), default 0.05. */
  significance?: number;
  /** Fail when the share of errored items (sampling or grader errors) is above this, 0..1 (0: any error fails). */
  maxErrored?: number;
}

export interface GateCheck {
  gate: "min-score" | "max-drop" | "max-errored";
  passed: boolean;
  /** The gate could not be checked and counts as passed: max-drop with nothing to compare with yet (a first run). */
  skipped?: true;
  detail: string;
}

export interface GateResult {
  passed: boolean;
  run: EvalRun;
  primaryMetric: string;
  score: number | null;
  checks: GateCheck[];
  /** How many items errored, and why the first of them did (in test-split order). */
  errors: { count: number; first: ErroredItem[] };
  baseline: { runId: string; label: string; score: number | null } | null;
  comparison: Comparison | null;
  /** Runs with several trials per item: the items most split between passing and failing on the primary metric. */
  flaky: { count: number; first: FlakyItem[] } | null;
}

/** An item that passed in some trials and failed in others (primary metric). */
export interface FlakyItem {
  itemId: string;
  passed: number;
  trials: number;
}

/** Flaky items named in a gate's result. */
const FIRST_FLAKY = 5;

/** One errored item and its reason: the sampling error, else the first grader error. */
export interface ErroredItem {
  itemId: string;
  reason: string;
}

/** Errored items named in a gate's result (the count covers them all). */
const FIRST_ERRORS = 5;

/**
 * The CI gate of a regression eval: the run fails when its primary metric is below `minScore`, or when it drops more
 * than `maxDrop` below the baseline AND the drop is significant at `significance` (so noise alone never fails a build).
 */
export async function regressionGate(ws: Workspace, runId: string, options: GateOptions): Promise<GateResult> {
  const run = await getEvalRun(ws.db, runId);
  if (run.status !== "completed") throw new TunelabError("conflict", `eval run ${runId} is ${run.status}, not completed`);
  const primaryMetric = await primaryMetricOf(ws.db, run.graderSetId);
  if (primaryMetric === undefined) throw new TunelabError("not_found", `grader set ${run.graderSetId} of eval run ${runId} not found`);
  const score = run.primary.score;
  const checks: GateCheck[] = [];
  if (options.minScore !== undefined) {
    const passed = score !== null && score >= options.minScore;
    checks.push({ gate: "min-score", passed, detail: `${primaryMetric} ${fmt(score)} ${passed ? "≥" : "<"} minimum ${options.minScore}` });
  }

  const errors = { count: run.resultCounts.errored, first: await firstErrors(ws, run.id) };
  if (options.maxErrored !== undefined) {
    const { total, errored } = run.resultCounts;
    const share = total === 0 ? 0 : errored / total;
    const passed = share <= options.maxErrored;
    checks.push({
      gate: "max-errored",
      passed,
      detail: `${errored} of ${total} items errored (${percent(share)}) ${passed ? "≤" : ">"} allowed ${percent(options.maxErrored)}`,
    });
  }

  let baseline: GateResult["baseline"] = null;
  let comparison: Comparison | null = null;
  if (options.baseline) {
    const baseRunId = await baselineRun(ws, options.project, options.baseline, run);
    if (baseRunId) {
      comparison = await compare(ws, baseRunId, run.id);
      const base = await getEvalRun(ws.db, baseRunId);
      baseline = { runId: baseRunId, label: comparison.a.label, score: base.primary.score };
      if (options.maxDrop !== undefined)
        checks.push(dropCheck(comparison.graders[primaryMetric], primaryMetric, options.maxDrop, options.significance ?? 0.05));
    } else if (options.maxDrop !== undefined) {
      checks.push({
        gate: "max-drop",
        passed: true,
        skipped: true,
        detail: "no baseline to compare with yet (nothing on the leaderboard); skipped",
      });
    }
  }
  let flaky: GateResult["flaky"] = null;
  if (run.trials > 1) {
    const items = flakiest(await itemTrials(ws.db, run.id), primaryMetric);
    flaky = {
      count: items.length,
      first: items.slice(0, FIRST_FLAKY).map((item) => ({
        itemId: item.itemId,
        passed: item.graders[primaryMetric]?.passed ?? 0,
        trials: item.graders[primaryMetric]?.trials ?? 0,
      })),
    };
  }
  return { passed: checks.every((c) => c.passed), run, primaryMetric, score, checks, errors, baseline, comparison, flaky };
}

async function firstErrors(ws: Workspace, runId: string): Promise<ErroredItem[]> {
  const rows = await ws.db
    .selectFrom("eval_samples")
    .select(["item_id", "error", "grades_json"])
    .where("run_id", "=", runId)
    .where("status", "=", "errored")
    .orderBy("position")
    .limit(FIRST_ERRORS)
    .execute();
  return rows.map((row) => ({ itemId: row.item_id, reason: errorReason(row.error, row.grades_json) }));
}

function errorReason(sampleError: string | null, gradesJson: string): string {
  const sampling = parseJson(sampleError) as { type?: string; message?: string } | string | null;
  if (typeof sampling === "string") return `sampling error: ${sampling}`;
  if (sampling?.message) return `sampling ${sampling.type ?? "error"}: ${sampling.message}`;
  const grades = (parseJson(gradesJson) ?? {}) as Record<string, { error?: { type?: string; message?: string } }>;
  for (const [name, grade] of Object.entries(grades))
    if (grade.error) return `grader ${name} ${grade.error.type ?? "error"}: ${grade.error.message ?? ""}`;
  return "errored (no reason recorded)";
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const percent = (share: number) => `${Number((share * 100).toFixed(1))}%`;

function dropCheck(comparison: GraderComparison | undefined, metric: string, maxDrop: number, significance: number): GateCheck {
  if (!comparison || comparison.n === 0) return { gate: "max-drop", passed: false, detail: `no items graded by ${metric} in both runs` };
  const drop = -(comparison.delta.mean ?? 0);
  const p = comparison.delta.pValue;
  const significant = p !== null && p < significance;
  const passed = !(drop > maxDrop && significant);
  const detail = `${metric} changed ${signed(comparison.delta.mean)} vs baseline (95% CI ${signed(comparison.delta.ci?.low ?? null)}..${signed(comparison.delta.ci?.high ?? null)}, p=${p === null ? "n/a" : p < 0.001 ? "<0.001" : p.toFixed(3)}); allowed drop ${maxDrop} at p<${significance}`;
  return { gate: "max-drop", passed, detail };
}

/**
 * The baseline's eval run: `best` is the top of the leaderboard the run is scored on (its test split and grader set,
 * the run itself left out), null when nothing else is on it; else an experiment id or an eval run id.
 */
async function baselineRun(ws: Workspace, project: string, ref: string, run: EvalRun): Promise<string | null> {
  if (ref === "best") {
    const board = await leaderboard(ws, {
      project,
      sort: "rank",
      testSplitVersionId: run.testSplitVersionId,
      graderSetId: run.graderSetId,
    });
    const best = board.rows.find((r) => r.evalRunId !== null && r.evalRunId !== run.id && r.score !== null);
    return best?.evalRunId ?? null;
  }
  const experiment = await findExperiment(ws.db, ref);
  if (experiment) {
    if (!experiment.evalRunId) throw new TunelabError("conflict", `baseline experiment ${ref} has no eval run yet`);
    return experiment.evalRunId;
  }
  return (await getEvalRun(ws.db, ref)).id;
}

const fmt = (n: number | null) => (n === null ? "n/a" : n.toFixed(4));
const signed = (n: number | null) => (n === null ? "n/a" : `${n >= 0 ? "+" : ""}${n.toFixed(4)}`);
