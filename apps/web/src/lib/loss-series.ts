import type { MetricRow } from "../api/types.ts";
import { emaSmooth } from "./smooth.ts";

/** One experiment's training curve on the loss chart. */
export interface LossRun {
  id: string;
  name: string;
  colour: string;
  rows: readonly MetricRow[];
}

/** One drawn line: a run's smoothed train loss, its raw train loss (faint, behind), or its validation loss. */
export interface LossLine {
  run: LossRun;
  kind: "raw" | "train" | "valid";
  label: string;
}

export interface LossData {
  /** Every run's steps, merged and sorted. */
  steps: number[];
  lines: LossLine[];
  /** One array per line, aligned with `steps`; null where a run has no value at that step. */
  values: Array<Array<number | null>>;
}

/** Whether a run recorded any validation loss (experiments trained without a validation set never do). */
export const hasValidation = (rows: readonly MetricRow[]) => rows.some((r) => r.valid_loss !== null);

/**
 * The loss chart's data: per run, the train loss smoothed with `weight` (TensorBoard's debiased EMA), the raw train
 * loss behind it (all null when not smoothed, as the smoothed line is then the raw one) and, when it has one, the
 * validation loss (not smoothed: it is measured rarely). On a log scale, values ≤ 0 cannot be drawn and are left out.
 */
export function lossData(runs: readonly LossRun[], weight: number, log: boolean): LossData {
  const steps = [...new Set(runs.flatMap((r) => r.rows.map((row) => row.step)))].sort((a, b) => a - b);
  const at = new Map(steps.map((s, i) => [s, i]));
  const align = (rows: readonly MetricRow[], values: ReadonlyArray<number | null>) => {
    const out: Array<number | null> = new Array(steps.length).fill(null);
    rows.forEach((row, i) => {
      const v = values[i] ?? null;
      out[at.get(row.step) ?? 0] = v === null || (log && !(v > 0)) ? null : v;
    });
    return out;
  };
  const lines: LossLine[] = [];
  const values: Array<Array<number | null>> = [];
  for (const run of runs) {
    const train = run.rows.map((r) => r.train_loss);
    lines.push({ run, kind: "raw", label: `${run.name} · train loss (raw)` });
    values.push(weight > 0 ? align(run.rows, train) : new Array(steps.length).fill(null));
    lines.push({ run, kind: "train", label: `${run.name} · train loss` });
    values.push(align(run.rows, emaSmooth(train, weight)));
    if (hasValidation(run.rows)) {
      lines.push({ run, kind: "valid", label: `${run.name} · valid loss` });
      values.push(
        align(
          run.rows,
          run.rows.map((r) => r.valid_loss),
        ),
      );
    }
  }
  return { steps, lines, values };
}
