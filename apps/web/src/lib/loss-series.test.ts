// The loss chart's series: runs merged on one step axis, smoothing, the raw line, log-scale gaps, validation only
// where a run has it.
import { describe, expect, it } from "vitest";
import type { MetricRow } from "../api/types.ts";
import { type LossRun, lossData } from "./loss-series.ts";

const row = (step: number, train: number | null, valid: number | null = null): MetricRow => ({
  experiment_id: "exp_1",
  step,
  total_steps: 4,
  train_loss: train,
  valid_loss: valid,
  train_accuracy: null,
  valid_accuracy: null,
});
const run = (id: string, rows: MetricRow[]): LossRun => ({ id, name: id, colour: "#000", rows });
const withValid = run("a", [row(1, 1, 2), row(2, 2), row(3, 3, 1.5)]);
const trainOnly = run("b", [row(2, 4), row(4, 0)]);

describe("lossData", () => {
  it("merges the runs' steps and aligns each line on them", () => {
    const d = lossData([withValid, trainOnly], 0, false);
    expect(d.steps).toEqual([1, 2, 3, 4]);
    expect(d.lines.map((l) => `${l.run.id}:${l.kind}`)).toEqual(["a:raw", "a:train", "a:valid", "b:raw", "b:train"]);
    expect(d.lines.map((l) => l.label)).toEqual([
      "a · train loss (raw)",
      "a · train loss",
      "a · valid loss",
      "b · train loss (raw)",
      "b · train loss",
    ]);
    expect(d.values).toEqual([
      [null, null, null, null], // not smoothed: no raw line behind
      [1, 2, 3, null],
      [2, null, 1.5, null],
      [null, null, null, null],
      [null, 4, null, 0],
    ]);
  });

  it("smooths train loss (debiased EMA) with the raw values behind, and leaves validation loss as measured", () => {
    const d = lossData([withValid], 0.5, false);
    expect(d.values[0]).toEqual([1, 2, 3]);
    expect(d.values[1]?.map((v) => v?.toFixed(6))).toEqual(["1.000000", (5 / 3).toFixed(6), (17 / 7).toFixed(6)]);
    expect(d.values[2]).toEqual([2, null, 1.5]);
  });

  it("leaves out values a log scale cannot draw", () => {
    const d = lossData([trainOnly], 0, true);
    expect(d.values[1]).toEqual([4, null]);
  });
});
