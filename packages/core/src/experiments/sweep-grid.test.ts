// The sweep grid on its own (no workspace): its axes come from the hyperparameter schema, its size counts data
// fractions, its points come in a stable order, and the 200-point limit is one refinement any grid schema can take.

import { TunelabError } from "@tunelab/base";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { checkSweepGrid, limitSweep, MAX_SWEEP_POINTS, SWEEP_AXES, SweepGrid, SweepRequest, sweepPoints, sweepSize } from "./sweep-grid.ts";

describe("the sweep grid", () => {
  it("has an axis for every hyperparameter", () => {
    expect(SWEEP_AXES).toEqual([
      "n_epochs",
      "batch_size",
      "learning_rate_multiplier",
      "prompt_loss_weight",
      "early_stopping_patience",
      "beta",
      "training_type",
      "lora_rank",
      "lora_alpha",
      "lora_dropout",
      "lora_target_modules",
      "base_quantization",
    ]);
  });

  it("counts datasets × data fractions × the length of every axis", () => {
    expect(sweepSize({ datasets: ["train@1"] })).toBe(1);
    expect(sweepSize({ datasets: ["train@1", "train@2"], n_epochs: [1, 2, 3], beta: [0.1, 0.2] })).toBe(12);
    expect(sweepSize({ datasets: ["train@1", "train@2"], dataFractions: [0.25, 0.5, 1], lora_rank: [4, 8] })).toBe(12);
  });

  it("lists the points datasets outermost, then the axes in declaration order, each with only its set axes", () => {
    expect(sweepPoints({ datasets: ["a@1", "b@1"], lora_rank: [4, 8], n_epochs: [1] })).toEqual([
      { dataset: "a@1", hyperparameters: { n_epochs: 1, lora_rank: 4 } },
      { dataset: "a@1", hyperparameters: { n_epochs: 1, lora_rank: 8 } },
      { dataset: "b@1", hyperparameters: { n_epochs: 1, lora_rank: 4 } },
      { dataset: "b@1", hyperparameters: { n_epochs: 1, lora_rank: 8 } },
    ]);
    expect(sweepPoints({ datasets: ["a@1"] })).toEqual([{ dataset: "a@1", hyperparameters: {} }]);
  });

  it("refuses a grid over the limit, data fractions counted, naming its size", () => {
    const base = { project: "p", datasets: ["train@1", "train@2"], model: "m" };
    const at = { ...base, n_epochs: Array.from({ length: 20 }, (_, i) => i + 1), dataFractions: [0.1, 0.2, 0.4, 0.6, 0.8] };
    expect(sweepSize(at)).toBe(MAX_SWEEP_POINTS);
    expect(SweepRequest.safeParse(at).success).toBe(true);
    const over = SweepRequest.safeParse({ ...at, dataFractions: [0.1, 0.2, 0.4, 0.6, 0.8, 1] });
    expect(over.success).toBe(false);
    expect(over.error?.issues[0]?.message).toBe(
      "a sweep may have at most 200 points; this grid has 240 (datasets 2 × dataFractions 6 × n_epochs 20): shorten a list or split the sweep",
    );
    // the same limit on another schema of the grid (the API's, without the project)
    const api = limitSweep(z.object(SweepGrid.shape).strict());
    expect(api.safeParse({ ...over, ...base, project: undefined }).success).toBe(false);
    expect(api.safeParse({ datasets: ["train@1"], model: "m", lora_rank: Array.from({ length: 201 }, () => 4) }).success).toBe(false);
    expect(api.safeParse({ datasets: ["train@1"], model: "m", lora_rank: [4, 8] }).success).toBe(true);
  });

  it("checkSweepGrid throws invalid_argument naming the path, or returns the grid with its defaults", () => {
    const error = (() => {
      try {
        checkSweepGrid({ datasets: ["train@1"], model: "m", dataFractions: [0.5, 1], lora_rank: Array.from({ length: 101 }, () => 4) });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(TunelabError);
    expect((error as TunelabError).code).toBe("invalid_argument");
    expect((error as Error).message).toBe(
      "sweep: a sweep may have at most 200 points; this grid has 202 (datasets 1 × dataFractions 2 × lora_rank 101): shorten a list or split the sweep",
    );
    expect(() => checkSweepGrid({ datasets: ["train@1"], model: "m", beta: [0] })).toThrow(/^beta\.0: /);
    expect(() => checkSweepGrid({ datasets: ["train@1", "train@2@3"], model: "m" })).toThrow(/^datasets\.1: expected NAME or NAME@N/);
    expect(checkSweepGrid({ datasets: ["train@1"], model: "m" })).toMatchObject({ method: "supervised", fractionSeed: 42 });
  });

  it("checks each value and the data fractions as an experiment and createDataFractions would", () => {
    const parse = (extra: object) => SweepRequest.safeParse({ project: "p", datasets: ["train@1"], model: "m", ...extra });
    expect(parse({ lora_dropout: [0.1, 2] }).error?.issues[0]?.path).toEqual(["lora_dropout", 1]);
    expect(parse({ dataFractions: [0.5, 2] }).error?.issues[0]?.message).toBe("a fraction must be at most 1");
    expect(parse({ dataFractions: [0.5, 0.5] }).error?.issues[0]?.message).toBe("each fraction once");
    expect(parse({ fractionSeed: -1 }).success).toBe(false);
    const ok = parse({ dataFractions: [0.5, 1] });
    expect(ok.data?.fractionSeed).toBe(42);
    expect(ok.data?.method).toBe("supervised");
  });
});
