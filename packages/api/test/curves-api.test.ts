// GET /api/projects/{p}/curves on the real API app: the project's learning curves (core's projectCurves), an empty
// answer before any experiments differ only in data, the x axis (training examples or trained tokens), and the
// refusals.
import { createDataFractions, createExperiment, importDataset, type ProjectCurves, saveGraderSet, setTestSplit } from "@tunelab/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { samplesAtPassRate, scoreExperiment } from "../../../packages/core/src/test-support/score-experiment.ts";
import { apiHarness } from "./api-harness.ts";

let h: Awaited<ReturnType<typeof apiHarness>>;
const line = (i: number) =>
  JSON.stringify({
    messages: [
      { role: "user", content: `ticket ${i}` },
      { role: "assistant", content: i % 2 ? "billing" : "bug" },
    ],
  });

beforeAll(async () => {
  h = await apiHarness();
  const split = await setTestSplit(h.ws, {
    project: "p",
    fileName: "test.jsonl",
    text: `${Array.from({ length: 20 }, (_, i) => line(i)).join("\n")}\n`,
  });
  expect(split.status).toBe("created");
  await saveGraderSet(h.ws, "p", {
    graders: [{ type: "string_check", name: "exact", input: "{{sample.output_text}}", reference: "{{item.reference}}", operation: "eq" }],
  });
});
afterAll(async () => h?.dispose());

describe("GET /api/projects/{project}/curves", () => {
  it("answers with no curves before experiments differ only in data, naming the metric and split", async () => {
    const { status, json } = await h.call("GET", "/api/projects/p/curves?at=1000,2000&resamples=200");
    expect(status).toBe(200);
    expect(json).toEqual({
      project: "p",
      primaryMetric: "exact",
      testSplit: "test@1",
      graderSet: "graders@1",
      x: "examples",
      curves: [],
      tooFew: [],
      noTokens: [],
    });
    expect((await h.call("GET", "/api/projects/p/curves?x=tokens")).json.x).toBe("tokens");
  });

  it("refuses bad sizes and unknown projects", async () => {
    expect((await h.call("GET", "/api/projects/p/curves?at=0,-5")).status).toBe(400);
    expect((await h.call("GET", "/api/projects/p/curves?at=0")).status).toBe(400);
    expect((await h.call("GET", "/api/projects/p/curves?resamples=5")).status).toBe(400);
    expect((await h.call("GET", "/api/projects/nope/curves")).status).toBe(404);
    const axis = await h.call("GET", "/api/projects/p/curves?x=words");
    expect(axis.status).toBe(400);
    expect(JSON.stringify(axis.json)).toMatch(/\bx\b/);
    expect(JSON.stringify(axis.json)).toMatch(/examples.*tokens/);
  });
});

describe("GET /api/projects/{project}/curves?x=tokens", () => {
  /** Trained tokens the four experiments' jobs reported, and the known curve in them the grades follow. */
  const TOKENS = [2_000, 6_000, 18_000, 54_000];
  const truth = (tokens: number) => 0.9 - 4 * tokens ** -0.3;

  beforeAll(async () => {
    const ws = h.ws;
    const train = Array.from({ length: 160 }, (_, i) => line(1000 + i));
    await importDataset(ws, { project: "p", dataset: "train", text: `${train.join("\n")}\n`, fileName: "train.jsonl" });
    const fractions = await createDataFractions(ws, { project: "p", dataset: "train@1", fractions: [0.125, 0.25, 0.5, 1], seed: 1 });
    for (const [k, f] of fractions.entries()) {
      const e = await createExperiment(ws, {
        project: "p",
        dataset: f.version.ref,
        model: "local-tiny",
        name: `data-${f.version.exampleCount}`,
      });
      const tokens = TOKENS[k] as number;
      await scoreExperiment(ws, e.experiment.id, samplesAtPassRate(20, truth(tokens)), { model: "m", trainedTokens: tokens });
    }
  });

  it("fits on the trained tokens, says what they count, and projects doubling them (or to ?at= tokens)", async () => {
    const { status, json } = await h.call("GET", "/api/projects/p/curves?x=tokens&resamples=200");
    expect(status).toBe(200);
    const r = json as ProjectCurves;
    expect(r.x).toBe("tokens");
    expect(r.curves).toHaveLength(1);
    const c = r.curves[0] as ProjectCurves["curves"][number];
    expect(c.xLabel).toBe("trained tokens: assistant (loss-bearing) tokens × epochs");
    expect(c.members.map((m) => [m.examples, m.n])).toEqual([
      [20, 2_000],
      [40, 6_000],
      [80, 18_000],
      [160, 54_000],
    ]);
    expect(c.curve.projections.map((p) => p.n)).toEqual([108_000]);
    const at = (await h.call("GET", "/api/projects/p/curves?x=tokens&at=100000,200000&resamples=200")).json as ProjectCurves;
    expect(at.curves[0]?.curve.projections.map((p) => p.n)).toEqual([100_000, 200_000]);
    // the same experiments on the default axis: their example counts, doubling the data
    const examples = (await h.call("GET", "/api/projects/p/curves?resamples=200")).json as ProjectCurves;
    expect(examples.x).toBe("examples");
    expect(examples.curves[0]?.members.map((m) => m.n)).toEqual([20, 40, 80, 160]);
    expect(examples.curves[0]?.curve.projections.map((p) => p.n)).toEqual([320]);
  });
});

describe("GET /api/projects/{project}/curves?split=&graders=", () => {
  it("draws the curves of an older test split and grader set (as the leaderboard's ?split= and ?graders=), is documented, and refuses an unknown or malformed one", async () => {
    // (after the tests above: four experiments that differ only in data, scored on test@1 with graders@1)
    const split2 = await setTestSplit(h.ws, {
      project: "p",
      fileName: "test2.jsonl",
      text: `${Array.from({ length: 20 }, (_, i) => line(2000 + i)).join("\n")}\n`,
    });
    expect(split2.status).toBe("created");
    const curves = async (query: string) => {
      const { status, json } = await h.call("GET", `/api/projects/p/curves?resamples=200${query}`);
      expect(status, query).toBe(200);
      const r = json as ProjectCurves;
      return { on: [r.testSplit, r.graderSet, r.primaryMetric], sizes: r.curves.map((c) => c.members.map((m) => m.n)) };
    };
    const old = { on: ["test@1", "graders@1", "exact"], sizes: [[20, 40, 80, 160]] };
    // the current split's curves: none of the experiments is scored on test@2
    expect(await curves("")).toEqual({ on: ["test@2", "graders@1", "exact"], sizes: [] });
    expect(await curves("&split=test@1")).toEqual(old);
    expect(await curves("&split=1")).toEqual(old);

    await saveGraderSet(h.ws, "p", {
      graders: [
        { type: "string_check", name: "loose", input: "{{sample.output_text}}", reference: "{{item.reference}}", operation: "like" },
      ],
    });
    expect(await curves("&split=test@1")).toEqual({ on: ["test@1", "graders@2", "loose"], sizes: [] });
    expect(await curves("&split=test@1&graders=graders@1")).toEqual(old);
    expect(await curves("&split=1&graders=1&x=tokens")).toEqual({ ...old, sizes: [[2_000, 6_000, 18_000, 54_000]] });
    expect(await curves("&graders=graders@1")).toEqual({ on: ["test@2", "graders@1", "exact"], sizes: [] });

    const unknownSplit = await h.call("GET", "/api/projects/p/curves?split=test@7");
    expect([unknownSplit.status, unknownSplit.json.error.code, unknownSplit.json.error.message]).toEqual([
      404,
      "not_found",
      "project p has no test split test@7 (its test splits: test@1, test@2)",
    ]);
    expect(unknownSplit.json.error.details).toEqual({ split: "test@7", testSplits: ["test@1", "test@2"] });
    const unknownGraders = await h.call("GET", "/api/projects/p/curves?split=test@1&graders=graders@9");
    expect([unknownGraders.status, unknownGraders.json.error.code, unknownGraders.json.error.message]).toEqual([
      404,
      "not_found",
      "project p has no grader set graders@9 (its grader sets: graders@1, graders@2)",
    ]);
    for (const bad of ["train@1", "test@0", "x"]) {
      const refused = await h.call("GET", `/api/projects/p/curves?split=${bad}`);
      expect([refused.status, refused.json.error.code], bad).toEqual([400, "invalid_argument"]);
      expect(refused.json.error.message, bad).toMatch(/^split: expected test@N or N, e\.g\. test@1/);
    }
    for (const bad of ["test@1", "graders@0", "x"]) {
      const refused = await h.call("GET", `/api/projects/p/curves?graders=${bad}`);
      expect([refused.status, refused.json.error.code], bad).toEqual([400, "invalid_argument"]);
      expect(refused.json.error.message, bad).toMatch(/^graders: expected graders@N or N, e\.g\. graders@1/);
    }

    const doc = (await h.call("GET", "/api/openapi.json")).json;
    const params = doc.paths["/projects/{project}/curves"].get.parameters;
    for (const [name, example] of [
      ["split", "test@1"],
      ["graders", "graders@1"],
    ] as const) {
      const param = params.find((p: { name: string }) => p.name === name);
      expect(param, name).toMatchObject({ in: "query", required: false, schema: { type: "string", pattern: expect.any(String), example } });
      expect(param.description, name).toContain(`${name === "split" ? "test" : "graders"}@N, or just N`);
    }
    expect(doc.components.schemas.ProjectCurves.properties).toHaveProperty("graderSet");
  });
});
