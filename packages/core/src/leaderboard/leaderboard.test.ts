// The leaderboard on a real SQLite workspace: each row says its method, and the base model and method filters.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExperiment } from "../experiments/create-experiment.ts";
import { seedChatAndPreferences } from "../test-support/experiment-data.ts";
import { tempWorkspace } from "../test-support/temp-workspace.ts";
import { leaderboard } from "./leaderboard.ts";

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
beforeAll(async () => {
  ws = await tempWorkspace();
  await seedChatAndPreferences(ws);
  await createExperiment(ws, { project: "p", model: "tiny-qwen2", method: "none", name: "base" });
  await createExperiment(ws, { project: "p", dataset: "train@1", model: "tiny-qwen2", name: "sft", hyperparameters: { lora_rank: 4 } });
  await createExperiment(ws, { project: "p", dataset: "prefs@1", model: "tiny-qwen2", method: "dpo", name: "dpo" });
  await createExperiment(ws, { project: "p", dataset: "train@1", model: "local-tiny", name: "small" });
});
afterAll(async () => ws.dispose());

const names = async (query: Omit<Parameters<typeof leaderboard>[1], "project">) =>
  (await leaderboard(ws, { project: "p", sort: "name", ...query })).rows.map((r) => `${r.name}:${r.method}`);

describe("leaderboard rows and filters", () => {
  it("shows each experiment's method", async () => {
    expect(await names({})).toEqual(["base:none", "dpo:dpo", "sft:supervised", "small:supervised"]);
  });

  it("filters by base model and by method, and sorts by method", async () => {
    expect(await names({ model: "tiny-qwen2" })).toEqual(["base:none", "dpo:dpo", "sft:supervised"]);
    expect(await names({ model: "local-tiny" })).toEqual(["small:supervised"]);
    expect(await names({ method: "dpo" })).toEqual(["dpo:dpo"]);
    expect(await names({ model: "tiny-qwen2", method: "supervised" })).toEqual(["sft:supervised"]);
    expect(await names({ sort: "method", order: "desc" })).toEqual(["sft:supervised", "small:supervised", "base:none", "dpo:dpo"]);
  });
});
