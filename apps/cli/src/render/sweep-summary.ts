import type { Experiment, Leaderboard } from "@tunelab/core";
import { color, count, table } from "../output.ts";
import { scoreText, statusColor } from "./experiment.ts";
import type { ExperimentScores } from "./scores.ts";

/**
 * A sweep's outcome: its points best first, by the project leaderboard's ranking (the primary metric with its 95%
 * interval); points without a score on the current board (failed, cancelled, scored on an older split: that score
 * with its split, from `offBoard`) come last;
 * then the points that failed, each with its error, so the others' results are not mistaken for the whole grid.
 */
export function sweepSummary(
  results: Experiment[],
  board: Leaderboard,
  offBoard: ReadonlyMap<string, ExperimentScores> = new Map(),
): string {
  const byId = new Map(results.map((e) => [e.id, e]));
  const onBoard = board.rows.filter((r) => byId.has(r.experimentId));
  const ordered = [
    ...onBoard.map((r) => ({ experiment: byId.get(r.experimentId) as Experiment, row: r })),
    ...results.filter((e) => !onBoard.some((r) => r.experimentId === e.id)).map((experiment) => ({ experiment, row: undefined })),
  ];
  const rows = ordered.map(({ experiment: e, row }) => [
    row?.rank ?? "-",
    e.name,
    color.dim(e.id),
    row ? scoreText(row) : offBoardScore(offBoard.get(e.id)),
    statusColor(e.status),
  ]);
  const head = ["#", "experiment", "id", `${board.primaryMetric ?? "score"} [95% CI]`, "status"];
  const failed = results.filter((e) => e.status === "failed");
  const note = failed.length
    ? `\n${color.red(`${failed.length} of ${count(results.length, "point")} failed`)} (the others ran to the end):${failed.map((e) => `\n  ${e.name} ${color.dim(e.id)}: ${e.error ?? "failed"}`).join("")}`
    : "";
  return `${table(head, rows)}${color.dim("\n# is the rank on the project's leaderboard (ties share one)")}${note}`;
}

/** A point found already scored on another test split or grader set (an identical experiment from before it changed). */
function offBoardScore(scores: ExperimentScores | undefined): string {
  if (scores?.status !== "completed" || scores.score === null) return "-";
  return `${scoreText(scores)} ${color.yellow(`on ${scores.testSplit ?? "another test split"} with ${scores.graderSet ?? "other graders"}, not this board`)}`;
}
