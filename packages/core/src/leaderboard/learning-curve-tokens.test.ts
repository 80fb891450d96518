// Learning curves on the trained-tokens axis, on a real SQLite workspace: four experiments on nested data fractions
// whose finished jobs reported trained tokens (as a provider records them on the experiment), scored with grades
// drawn from a known curve in those tokens. projectCurves({ x: "tokens" }) fits on the tokens and projects doubling
// them; an experiment whose provider reported no tokens is named, not plotted at 0.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDataFractions } from "../datasets/data-fractions.ts";
import { importDataset } from "../datasets/import-dataset.ts";
import { setTestSplit } from "../datasets/set-test-split.ts";
import { createExperiment } from "../experiments/create-experiment.ts";
import { saveGraderSet } from "../grader-sets/save-grader-set.ts";
import { samplesAtPassRate, scoreExperiment } from "../test-support/score-experiment.ts";
import { chat, jsonl, tempWorkspace } from "../test-support/temp-workspace.ts";
import { curveXLabel, projectCurves, trainedTokensCount } from "./learning-curve.ts";

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
const ITEMS = 200;
/** The known curve, in trained tokens. */
const truth = (tokens: number) => 0.95 - 6 * tokens ** -0.3;
/** Examples of each data fraction and the tokens its job reported (auto epochs and answer lengths differ by size). */
const SIZES = [
  { examples: 50, tokens: 3_000 },
  { examples: 100, tokens: 10_000 },
  { examples: 200, tokens: 30_000 },
  { examples: 400, tokens: 100_000 },
];

async function scored(dataset: string, name: string, y: number, trainedTokens: number | null): Promise<void> {
  const e = await createExperiment(ws, { project: "p", dataset, model: "local-tiny", name, force: true });
  await scoreExperiment(ws, e.experiment.id, samplesAtPassRate(ITEMS, y), { model: "m", trainedTokens });
}

beforeAll(async () => {
  ws = await tempWorkspace();
  const test = Array.from({ length: ITEMS }, (_, i) => chat(`test ticket ${i}`, i % 2 ? "billing" : "bug"));
  await setTestSplit(ws, { project: "p", text: jsonl(test), fileName: "test.jsonl" });
  const train = Array.from({ length: 400 }, (_, i) => chat(`training ticket number ${i}`, i % 3 ? "billing" : "bug"));
  await importDataset(ws, { project: "p", dataset: "train", text: jsonl(train), fileName: "train.jsonl" });
  await saveGraderSet(ws, "p", {
    graders: [{ type: "string_check", name: "exact", input: "{{sample.output_text}}", reference: "{{item.reference}}", operation: "eq" }],
  });
  const fractions = await createDataFractions(ws, { project: "p", dataset: "train@1", fractions: [0.125, 0.25, 0.5, 1], seed: 3 });
  for (const [i, f] of fractions.entries()) {
    const size = SIZES[i] as (typeof SIZES)[number];
    expect(f.version.exampleCount).toBe(size.examples);
    await scored(f.version.ref, `data-${size.examples}`, truth(size.tokens), size.tokens);
  }
  // the same setup again on the full data, but its provider reported no trained tokens
  await scored("train@1", "no-tokens", truth(100_000), null);
});
afterAll(async () => ws.dispose());

describe("projectCurves on trained tokens", () => {
  it("fits the known curve in tokens and projects doubling the trained tokens, with an interval", async () => {
    const result = await projectCurves(ws, "p", { x: "tokens", resamples: 300 });
    expect(result.x).toBe("tokens");
    expect(result.noTokens).toEqual(["no-tokens"]);
    expect(result.curves).toHaveLength(1);
    const c = result.curves[0] as (typeof result.curves)[number];
    expect(c.xLabel).toBe("trained tokens: assistant (loss-bearing) tokens × epochs");
    expect(c.members.map((m) => [m.examples, m.trainedTokens, m.n])).toEqual(SIZES.map((s) => [s.examples, s.tokens, s.tokens]));
    for (const m of c.members) expect(m.score).toBeCloseTo(truth(m.n), 2);
    expect(c.curve.fit.c).toBeGreaterThan(0.2);
    expect(c.curve.fit.c).toBeLessThan(0.4);
    const doubling = c.curve.projections[0];
    expect(doubling?.n).toBe(200_000);
    expect(doubling?.y).toBeCloseTo(truth(200_000), 1);
    expect(doubling?.interval.low).toBeLessThan(doubling?.y as number);
    expect(doubling?.interval.high).toBeGreaterThan(doubling?.y as number);
  });

  it("projects to sizes given in tokens", async () => {
    const result = await projectCurves(ws, "p", { x: "tokens", at: [50_000, 400_000], resamples: 200 });
    const projections = result.curves[0]?.curve.projections ?? [];
    expect(projections.map((p) => p.n)).toEqual([50_000, 400_000]);
    expect(projections[0]?.y).toBeCloseTo(truth(50_000), 1);
  });

  it("on examples (the default) fits the same experiments on their example counts, the tokenless one included", async () => {
    const result = await projectCurves(ws, "p", { resamples: 200 });
    expect(result.x).toBe("examples");
    expect(result.noTokens).toEqual([]);
    const c = result.curves[0] as (typeof result.curves)[number];
    expect(c.xLabel).toBe("training examples");
    expect(c.members.map((m) => m.n)).toEqual([50, 100, 200, 400, 400]);
    expect(c.curve.projections[0]?.n).toBe(800);
  });

  it("says what trained tokens count, by provider", () => {
    expect(trainedTokensCount("local")).toBe("assistant (loss-bearing) tokens × epochs");
    expect(curveXLabel("tokens", "openai")).toBe("trained tokens: tokens billed by the provider, every message's tokens × epochs");
  });
});
