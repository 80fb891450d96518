import type { Experiment, experimentMetrics } from "@tunelab/core";
import { color } from "../output.ts";

type MetricRow = Awaited<ReturnType<typeof experimentMetrics>>[number];

const loss = (n: number | null) => (n === null ? "-" : n.toFixed(4));
/** A loss in a summary: four decimals, or two significant digits once it is that small (not a flat 0.0000). */
const small = (n: number | null) => (n === null ? "-" : n !== 0 && Math.abs(n) < 0.001 ? n.toPrecision(2) : n.toFixed(4));

/** One training step as `exp logs` prints it: a line of text, or a JSON line with --json. */
export function stepLine(m: MetricRow, json: boolean): string {
  if (json)
    return JSON.stringify({
      step: m.step,
      total_steps: m.total_steps,
      train_loss: m.train_loss,
      train_accuracy: m.train_accuracy,
      valid_loss: m.valid_loss,
      valid_accuracy: m.valid_accuracy,
    });
  return `step ${m.step}/${m.total_steps ?? "?"} train_loss=${loss(m.train_loss)} train_acc=${m.train_accuracy?.toFixed(3) ?? "-"}${m.valid_loss !== null ? ` valid_loss=${loss(m.valid_loss)}` : ""}`;
}

/** The whole run in one line: steps done, train loss first → last (and its lowest), validation loss, accuracy. */
export function trainingSummary(rows: readonly MetricRow[]): string {
  const first = rows[0];
  const last = rows.at(-1);
  if (!first || !last) return "no training steps recorded yet";
  const losses = rows.flatMap((r) => (r.train_loss === null ? [] : [{ step: r.step, value: r.train_loss }]));
  const lowest = losses.reduce((a, b) => (b.value < a.value ? b : a), losses[0] ?? { step: 0, value: Number.NaN });
  const valid = rows.filter((r) => r.valid_loss !== null);
  const parts = [
    `${rows.length} step${rows.length === 1 ? "" : "s"} (last ${last.step}/${last.total_steps ?? "?"})`,
    `train loss ${small(first.train_loss)} → ${small(last.train_loss)}${losses.length ? ` (lowest ${small(lowest.value)} at step ${lowest.step})` : ""}`,
  ];
  const lastValid = valid.at(-1);
  if (lastValid) parts.push(`valid loss ${small(valid[0]?.valid_loss ?? null)} → ${small(lastValid.valid_loss)}`);
  if (last.train_accuracy !== null) parts.push(`train accuracy ${last.train_accuracy.toFixed(3)}`);
  return parts.join(" · ");
}

/** Why an experiment has no training steps to show. */
export function noStepsReason(e: Experiment): string {
  if (e.kind === "baseline")
    return `${e.name} is a baseline: the base model as is, nothing is trained, so there are no training logs. Its scores: \`tunelab exp show ${e.id}\``;
  if (e.status === "created" || e.status === "uploading")
    return `${e.name} has not started training yet (${e.status}); \`tunelab exp logs ${e.id} --follow\` waits for it`;
  return `${e.name} recorded no training steps (${e.status}${e.error ? `: ${e.error}` : ""})`;
}

export function summaryLine(rows: readonly MetricRow[], shown: number): string {
  const hidden = rows.length - shown;
  return color.dim(`${hidden > 0 ? `(${hidden} earlier steps not shown) ` : ""}summary: ${trainingSummary(rows)}`);
}
