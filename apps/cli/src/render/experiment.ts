import { DEFAULT_GRADER_ATTEMPTS, DEFAULT_GRADER_TIMEOUT_SECONDS, type Experiment, type LeaderboardRow } from "@tunelab/core";
import { color, formatNumber } from "../output.ts";

export function statusColor(status: string): string {
  if (status === "completed" || status === "succeeded") return color.green(status);
  if (status === "failed") return color.red(status);
  if (status === "cancelled") return color.yellow(status);
  return color.cyan(status);
}

export function hyperText(h: Record<string, unknown>): string {
  const entries = Object.entries(h).filter(([, v]) => v !== undefined);
  return entries.length
    ? entries
        .map(
          ([k, v]) =>
            `${k.replace("learning_rate_multiplier", "lr").replace("n_epochs", "epochs").replace("batch_size", "batch")}=${String(v)}`,
        )
        .join(" ")
    : "-";
}

export function scoreText(row: Pick<LeaderboardRow, "score" | "interval">): string {
  if (row.score === null) return "-";
  const interval = row.interval ? color.dim(` [${row.interval.low.toFixed(3)}, ${row.interval.high.toFixed(3)}]`) : "";
  return `${row.score.toFixed(3)}${interval}`;
}

export function experimentSummary(e: Experiment): string {
  const lines = [
    `${color.bold(e.name)} ${color.dim(e.id)} · ${statusColor(e.status)}${e.error ? color.red(` — ${e.error}`) : ""}`,
    `${e.kind === "baseline" ? "baseline of" : `tunes (${e.method})`} ${e.baseModel} on ${e.provider}${e.tunedModel && e.kind === "tuned" ? ` → ${e.tunedModel}` : ""}`,
    `hyperparameters: ${hyperText(e.hyperparameters.resolved ?? e.hyperparameters.requested)} · seed ${e.seed}`,
    `created ${e.createdAt.slice(0, 19).replace("T", " ")}${e.createdBy ? ` by ${e.createdBy}` : ""}`,
  ];
  if (e.trainedTokens)
    lines.push(`trained tokens ${formatNumber(e.trainedTokens)}${e.trainingSeconds ? ` in ${formatNumber(e.trainingSeconds)} s` : ""}`);
  if (e.evaluation.trials > 1 || e.evaluation.temperature !== undefined || e.evaluation.reasoningEffort !== undefined)
    lines.push(
      `scored with ${e.evaluation.trials} trial${e.evaluation.trials === 1 ? "" : "s"} per item${e.evaluation.temperature === undefined ? "" : ` at temperature ${e.evaluation.temperature}`}${e.evaluation.reasoningEffort === undefined ? "" : `, reasoning effort ${e.evaluation.reasoningEffort}`}`,
    );
  if (e.evaluation.graderTimeoutSeconds !== undefined || e.evaluation.graderAttempts !== undefined) {
    const attempts = e.evaluation.graderAttempts ?? DEFAULT_GRADER_ATTEMPTS;
    lines.push(
      `model graders: ${e.evaluation.graderTimeoutSeconds ?? DEFAULT_GRADER_TIMEOUT_SECONDS} s per request, ${attempts} attempt${attempts === 1 ? "" : "s"} per grade`,
    );
  }
  if (e.earlyStop)
    lines.push(
      `stopped early at step ${formatNumber(e.earlyStop.step)}: the tuned model keeps step ${formatNumber(e.earlyStop.bestStep)} ${color.dim(`(validation loss ${e.earlyStop.bestValidLoss.toFixed(4)})`)}`,
    );
  if (e.evalRunId) lines.push(`eval run ${e.evalRunId}`);
  for (const warning of e.warnings) lines.push(`${color.yellow("warning")} ${warning}`);
  return lines.join("\n");
}
