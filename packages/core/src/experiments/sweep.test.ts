// Sweeps on a real SQLite workspace: the grid's axes come from the hyperparameter schema (LoRA rank, beta, ...),
// every point is checked before any is stored, and identical points are not doubled.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TunelabError } from "../errors.ts";
import { seedChatAndPreferences } from "../test-support/experiment-data.ts";
import { tempWorkspace } from "../test-support/temp-workspace.ts";
import { listExperiments } from "./experiment.repository.ts";
import { createSweep, MAX_SWEEP_POINTS, SWEEP_AXES, sweepSize } from "./sweep.ts";

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
    ]);
  });

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
    expect((tooBig as Error).message).toBe("sweep: a sweep may have at most 200 points; this grid has 225");
    const badValue = await createSweep(ws, { project: "p", datasets: ["train@1"], model: "m", lora_dropout: [0.1, 2] }).catch(
      (e: unknown) => e,
    );
    expect((badValue as Error).message).toMatch(/^lora_dropout\.1: /);
    expect(await stored()).toHaveLength(0);
  });
});
