// Learning curves on a real SQLite workspace: nested data fractions stored as dataset versions, experiments on
// them scored on one test split (eval samples written as the eval runner writes them, with grades drawn from a
// known curve), and projectCurves() grouping the experiments that differ only in data and fitting them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDataFractions, fractionDatasetName } from "../datasets/data-fractions.ts";
import { getVersionByRef } from "../datasets/dataset.repository.ts";
import { importDataset } from "../datasets/import-dataset.ts";
import { setTestSplit } from "../datasets/set-test-split.ts";
import { loadVersionLines } from "../datasets/version-content.ts";
import { createExperiment } from "../experiments/create-experiment.ts";
import { updateExperiment } from "../experiments/experiment.repository.ts";
import { saveGraderSet } from "../grader-sets/save-grader-set.ts";
import { getProjectByName } from "../projects/project.repository.ts";
import type { ProjectId } from "../shared/id.ts";
import { samplesAtPassRate, scoreExperiment } from "../test-support/score-experiment.ts";
import { chat, jsonl, tempWorkspace } from "../test-support/temp-workspace.ts";
import { projectCurves } from "./learning-curve.ts";

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
const ITEMS = 200;
beforeAll(async () => {
  ws = await tempWorkspace();
  const test = Array.from({ length: ITEMS }, (_, i) => chat(`test ticket ${i}`, i % 2 ? "billing" : "bug"));
  expect((await setTestSplit(ws, { project: "p", text: jsonl(test), fileName: "test.jsonl" })).status).toBe("created");
  const train = Array.from({ length: 400 }, (_, i) => chat(`training ticket number ${i}`, i % 3 ? "billing" : "bug"));
  expect((await importDataset(ws, { project: "p", dataset: "train", text: jsonl(train), fileName: "train.jsonl" })).status).toBe("created");
  await saveGraderSet(ws, "p", {
    graders: [{ type: "string_check", name: "exact", input: "{{sample.output_text}}", reference: "{{item.reference}}", operation: "eq" }],
  });
});
afterAll(async () => ws.dispose());

describe("data fractions", () => {
  it("stores nested, seeded subsets as dataset versions; again is a no-op; fraction 1 is the source", async () => {
    const made = await createDataFractions(ws, { project: "p", dataset: "train@1", fractions: [1, 0.5, 0.125, 0.25], seed: 42 });
    expect(made.map((f) => [f.fraction, f.version.ref, f.version.exampleCount, f.status])).toEqual([
      [0.125, "train-v1-12.5pct@1", 50, "created"],
      [0.25, "train-v1-25pct@1", 100, "created"],
      [0.5, "train-v1-50pct@1", 200, "created"],
      [1, "train@1", 400, "source"],
    ]);
    const sets = await Promise.all(made.map(async (f) => new Set(await loadVersionLines(ws, f.version))));
    for (let i = 1; i < sets.length; i++)
      for (const line of sets[i - 1] as Set<string>) expect((sets[i] as Set<string>).has(line)).toBe(true);
    const again = await createDataFractions(ws, { project: "p", dataset: "train@1", fractions: [0.125], seed: 42 });
    expect(again[0]?.status).toBe("unchanged");
    const other = await createDataFractions(ws, { project: "p", dataset: "train@1", fractions: [0.125], seed: 7 });
    expect(other[0]?.status).toBe("created"); // another seed draws another subset: the next version of that dataset
    expect(fractionDatasetName(made[3]?.version as never, 0.005)).toBe("train-v1-0.5pct");
  });

  it("refuses fractions outside (0, 1], and a subset too small to train on, naming the fraction", async () => {
    await expect(createDataFractions(ws, { project: "p", dataset: "train@1", fractions: [0], seed: 1 })).rejects.toThrow(/> 0/);
    await expect(createDataFractions(ws, { project: "p", dataset: "train@1", fractions: [1.5], seed: 1 })).rejects.toThrow(/at most 1/);
    await expect(createDataFractions(ws, { project: "p", dataset: "train@1", fractions: [0.01], seed: 1 })).rejects.toThrow(
      /the 0\.01 fraction of train@1 would keep 4 of its 400 examples/,
    );
  });
});

describe("projectCurves", () => {
  it("fits the experiments that differ only in data and projects doubling the data, with an interval", async () => {
    const truth = (n: number) => 0.95 - 2 * n ** -0.5;
    const project = await getProjectByName(ws.db, "p");
    const version = (ref: string) => getVersionByRef(ws.db, project.id as ProjectId, ref);
    for (const dataset of ["train-v1-12.5pct@1", "train-v1-25pct@1", "train-v1-50pct@1", "train@1"]) {
      const e = await createExperiment(ws, { project: "p", dataset, model: "local-tiny", name: dataset });
      const n = (await version(dataset)).exampleCount;
      await scoreExperiment(ws, e.experiment.id, samplesAtPassRate(ITEMS, truth(n)), { model: "m" });
    }
    // A fifth experiment with other hyperparameters is a group of its own, too small to fit.
    const lone = await createExperiment(ws, {
      project: "p",
      dataset: "train@1",
      model: "local-tiny",
      name: "lone",
      hyperparameters: { n_epochs: 2 },
    });
    await updateExperiment(ws.db, lone.experiment.id, { status: "completed" });

    const result = await projectCurves(ws, "p", { resamples: 300 });
    expect(result.primaryMetric).toBe("exact");
    expect(result.curves).toHaveLength(1);
    const c = result.curves[0];
    expect(c?.members.map((m) => m.examples)).toEqual([50, 100, 200, 400]);
    for (const m of c?.members ?? []) expect(m.score).toBeCloseTo(truth(m.examples), 1);
    const doubling = c?.curve.projections[0];
    expect(doubling?.n).toBe(800);
    expect(doubling?.y).toBeCloseTo(truth(800), 1);
    expect(doubling?.interval.low).toBeLessThan(doubling?.y as number);
    expect(doubling?.interval.high).toBeGreaterThan(doubling?.y as number);
    expect(c?.setup).toContain("local-tiny");
  });
});
