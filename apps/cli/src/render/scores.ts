import { type EvalRun, type Experiment, findEvalRun, findGraderSet, findVersionById, type Workspace } from "@tunelab/core";
import type { GraderSummary } from "@tunelab/evals";
import { color, table } from "../output.ts";

/** An experiment's scores as `exp show` reports them: the primary metric with its interval, then every grader. */
export interface ExperimentScores {
  evalRunId: string;
  status: EvalRun["status"];
  testSplit: string | null;
  graderSet: string | null;
  primaryMetric: string | null;
  score: number | null;
  interval: { low: number; high: number } | null;
  resultCounts: EvalRun["resultCounts"];
  /** Per grader: mean, pass rate, 95% intervals, counts (errored grades are not in the mean); once completed. */
  graders: Record<string, GraderSummary>;
  /** Sampling the model refused and the run left out (EvalRun.samplingNotes). */
  samplingNotes: string[];
}

/** The scores of the experiment's eval run; null before it has one. */
export async function experimentScores(ws: Workspace, experiment: Experiment): Promise<ExperimentScores | null> {
  const run = experiment.evalRunId ? await findEvalRun(ws.db, experiment.evalRunId) : undefined;
  if (!run) return null;
  const graderSet = await findGraderSet(ws.db, run.graderSetId);
  const aggregates = run.aggregates as { graders?: Record<string, GraderSummary> } | null;
  return {
    evalRunId: run.id,
    status: run.status,
    testSplit: (await findVersionById(ws.db, run.testSplitVersionId))?.ref ?? null,
    graderSet: graderSet?.ref ?? null,
    primaryMetric: graderSet?.primaryMetric ?? null,
    score: run.primary.score,
    interval: run.primary.interval,
    resultCounts: run.resultCounts,
    graders: aggregates?.graders ?? {},
    samplingNotes: run.samplingNotes,
  };
}

const fixed = (n: number | null | undefined) => (n === null || n === undefined ? "-" : n.toFixed(3));
const interval = (i: { low: number; high: number } | null | undefined) => (i ? `[${fixed(i.low)}, ${fixed(i.high)}]` : "-");

export function scoresText(scores: ExperimentScores | null, experimentStatus: string): string {
  if (!scores)
    return color.dim(
      `scores: none yet (${experimentStatus}; scored on the test split once ${experimentStatus === "failed" || experimentStatus === "cancelled" ? "run again" : "trained"})`,
    );
  const counts = scores.resultCounts;
  const where = `on ${scores.testSplit ?? "the test split"} with ${scores.graderSet ?? "the graders"} (eval run ${scores.evalRunId})`;
  if (scores.status !== "completed")
    return `scores ${where}: ${scores.status}, ${counts.passed + counts.failed + counts.errored}/${counts.total} items scored so far`;
  const metric = scores.primaryMetric ?? "score";
  const head = `scores ${where}: ${color.bold(`${metric} ${fixed(scores.score)}`)}${scores.interval ? color.dim(` ${interval(scores.interval)}`) : ""} · ${counts.passed}/${counts.total} passed, ${counts.failed} failed, ${counts.errored} errored`;
  const rows = Object.entries(scores.graders).map(([name, g]) => [
    name === scores.primaryMetric ? color.bold(`${name} *`) : name,
    fixed(g.mean),
    interval(g.ci.mean),
    g.passRate === null ? "-" : `${(g.passRate * 100).toFixed(0)}%`,
    `${g.n}`,
    `${g.errored}`,
  ]);
  const notes = scores.samplingNotes.map((note) => `\n${color.yellow(`note: ${note}`)}`).join("");
  return rows.length ? `${head}${notes}\n${table(["grader", "mean", "95% CI", "pass rate", "n", "errored"], rows)}` : `${head}${notes}`;
}
