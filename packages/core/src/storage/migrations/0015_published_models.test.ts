// Migration 0015 keeps published tuned models in a table of their own: what experiments.tuned_model_blob held before is
// copied there (one row per model id), so tuned models published before the upgrade stay fetchable too, also once
// their experiment is deleted.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createExperiment } from "../../experiments/create-experiment.ts";
import { updateExperiment } from "../../experiments/experiment.repository.ts";
import { seedChatAndPreferences } from "../../test-support/experiment-data.ts";
import { tempWorkspace } from "../../test-support/temp-workspace.ts";
import { down, up } from "./0015_published_models.ts";

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
beforeEach(async () => {
  ws = await tempWorkspace();
  await seedChatAndPreferences(ws);
});
afterEach(async () => {
  await ws.dispose();
});

const experiment = async (seed: number) =>
  (await createExperiment(ws, { project: "p", dataset: "train@1", model: "local-tiny", seed })).experiment.id;
const manifest = (c: string) => c.repeat(64);

describe("migration 0015", () => {
  it("copies each published tuned model's manifest blob from its experiment; unpublished ones are not copied", async () => {
    const published = await experiment(1);
    const twice = [await experiment(2), await experiment(3)];
    const unpublished = await experiment(4);
    await updateExperiment(ws.db, published, { tuned_model: "ft:local-tiny:a", tuned_model_blob: manifest("a") });
    // the same model id recorded on two experiments (one trained again) keeps one manifest
    for (const id of twice) await updateExperiment(ws.db, id, { tuned_model: "ft:local-tiny:b", tuned_model_blob: manifest("b") });
    await updateExperiment(ws.db, unpublished, { tuned_model: "ft:local-tiny:c" });
    await down(ws.db as never);
    await up(ws.db as never);
    const rows = await ws.db.selectFrom("published_models").select(["model", "manifest_blob"]).orderBy("model").execute();
    expect(rows).toEqual([
      { model: "ft:local-tiny:a", manifest_blob: manifest("a") },
      { model: "ft:local-tiny:b", manifest_blob: manifest("b") },
    ]);
  });
});
