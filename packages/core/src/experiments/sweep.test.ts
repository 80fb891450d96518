// Sweeps on a real SQLite workspace: one experiment per point of the grid (LoRA rank, beta, ...), every point checked
// before any is stored, identical points not doubled; data fractions stored as subsets, after the grid's size is checked.

import { TunelabError } from "@tunelab/base";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { seedChatAndPreferences } from "../test-support/experiment-data.ts";
import { tempWorkspace } from "../test-support/temp-workspace.ts";
import { listExperiments } from "./experiment.repository.ts";
import { createSweep } from "./sweep.ts";
import { MAX_SWEEP_POINTS, sweepSize } from "./sweep-grid.ts";

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
beforeEach(async () => {
  ws = await tempWorkspace();
  await seedChatAndPreferences(ws);
});
afterEach(async () => ws.dispose());

const stored = async () => {
  const project = (await ws.db.selectFrom("projects").select("id").executeTakeFirstOrThrow()).id;
  return listExperiments(ws.db, project);
};

describe("sweeps", () => {
  it("creates one DPO experiment per point of lora_rank × beta, in order, with only the set extensions", async () => {
    const results = await createSweep(ws, {
      project: "p",
      datasets: ["prefs@1"],
      model: "tiny-qwen2",
      method: "dpo",
      n_epochs: [2],
      lora_rank: [4, 8],
      beta: [0.1, 0.5],
      lora_target_modules: ["all-linear"],
    });
    expect(results.map((r) => r.created)).toEqual([true, true, true, true]);
    expect(results.map((r) => r.experiment.method)).toEqual(["dpo", "dpo", "dpo", "dpo"]);
    expect(results.map((r) => r.experiment.name)).toEqual([
      "prefs@1 tiny-qwen2 dpo ep=2 beta=0.1 r=4 targets=all-linear",
      "prefs@1 tiny-qwen2 dpo ep=2 beta=0.1 r=8 targets=all-linear",
      "prefs@1 tiny-qwen2 dpo ep=2 beta=0.5 r=4 targets=all-linear",
      "prefs@1 tiny-qwen2 dpo ep=2 beta=0.5 r=8 targets=all-linear",
    ]);
    expect(results[3]?.experiment.hyperparameters.requested).toEqual({
      n_epochs: 2,
      batch_size: "auto",
      learning_rate_multiplier: "auto",
      beta: 0.5,
      lora_rank: 8,
      lora_target_modules: "all-linear",
    });
    // again: nothing new
    const again = await createSweep(ws, {
      project: "p",
      datasets: ["prefs@1"],
      model: "tiny-qwen2",
      method: "dpo",
      n_epochs: [2],
      lora_rank: [4],
      beta: [0.1],
      lora_target_modules: ["all-linear"],
    });
    expect(again[0]?.created).toBe(false);
    expect(again[0]?.experiment.id).toBe(results[0]?.experiment.id);
    expect(await stored()).toHaveLength(4);
  });

  it("does not double identical points", async () => {
    const results = await createSweep(ws, { project: "p", datasets: ["train@1"], model: "m", lora_rank: [4, 4] });
    expect(results.map((r) => r.created)).toEqual([true, false]);
    expect(results[0]?.experiment.id).toBe(results[1]?.experiment.id);
    expect(await stored()).toHaveLength(1);
  });

  it("stores nothing when any point is refused, or when the grid is too large", async () => {
    const mixed = await createSweep(ws, { project: "p", datasets: ["train@1", "prefs@1"], model: "m", lora_rank: [4, 8] }).catch(
      (e: unknown) => e,
    );
    expect(mixed).toBeInstanceOf(TunelabError);
    expect((mixed as Error).message).toMatch(/^dataset prefs@1 is preference data/);
    const big = { project: "p", datasets: ["train@1"], model: "m", lora_rank: [1, 2, 3, 4, 5], beta: [0.1, 0.2, 0.3, 0.4, 0.5] };
    expect(sweepSize(big) * 9).toBeGreaterThan(MAX_SWEEP_POINTS);
    const tooBig = await createSweep(ws, { ...big, method: "dpo", datasets: ["prefs@1"], n_epochs: [1, 2, 3, 4, 5, 6, 7, 8, 9] }).catch(
      (e: unknown) => e,
    );
    expect((tooBig as Error).message).toBe(
      "sweep: a sweep may have at most 200 points; this grid has 225 (datasets 1 × n_epochs 9 × beta 5 × lora_rank 5): shorten a list or split the sweep",
    );
    const badValue = await createSweep(ws, { project: "p", datasets: ["train@1"], model: "m", lora_dropout: [0.1, 2] }).catch(
      (e: unknown) => e,
    );
    expect((badValue as Error).message).toMatch(/^lora_dropout\.1: /);
    expect(await stored()).toHaveLength(0);
  });

  it("with data fractions: stores the subsets, then one experiment per subset and point; a grid too large stores no subset", async () => {
    const tooBig = await createSweep(ws, {
      project: "p",
      datasets: ["train@1"],
      model: "m",
      dataFractions: [0.9, 1],
      n_epochs: Array.from({ length: 20 }, (_, i) => i + 1),
      lora_rank: [1, 2, 3, 4, 5, 6],
    }).catch((e: unknown) => e);
    expect((tooBig as Error).message).toBe(
      "sweep: a sweep may have at most 200 points; this grid has 240 (datasets 1 × dataFractions 2 × n_epochs 20 × lora_rank 6): shorten a list or split the sweep",
    );
    expect(await datasetNames()).toEqual(["prefs", "train"]);

    const told: string[] = [];
    const results = await createSweep(
      ws,
      { project: "p", datasets: ["train@1"], model: "m", dataFractions: [0.9, 1], fractionSeed: 7, n_epochs: [1, 2] },
      { onDataFraction: (f) => told.push(`${f.version.ref} ${f.status} ${f.version.exampleCount}`) },
    );
    expect(told).toEqual(["train-v1-90pct@1 created 11", "train@1 source 12"]);
    expect(await datasetNames()).toEqual(["prefs", "train", "train-v1-90pct"]);
    expect(results.map((r) => [r.created, r.experiment.name.split(" ")[0], r.experiment.hyperparameters.requested.n_epochs])).toEqual([
      [true, "train-v1-90pct@1", 1],
      [true, "train-v1-90pct@1", 2],
      [true, "train@1", 1],
      [true, "train@1", 2],
    ]);
    // the same sweep again: the subset is found, not stored twice, and no experiment is doubled
    const again = await createSweep(ws, {
      project: "p",
      datasets: ["train@1"],
      model: "m",
      dataFractions: [0.9, 1],
      fractionSeed: 7,
      n_epochs: [1, 2],
    });
    expect(again.map((r) => r.created)).toEqual([false, false, false, false]);
    expect(await stored()).toHaveLength(4);
  });
});

const datasetNames = async () => (await ws.db.selectFrom("datasets").select("name").orderBy("name").execute()).map((d) => d.name);
