// GET /api/projects/{p}/curves on the real API app: the project's learning curves (core's projectCurves), an empty
// answer before any experiments differ only in data, and the refusals.
import { saveGraderSet, setTestSplit } from "@tunelab/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
    expect(json).toEqual({ project: "p", primaryMetric: "exact", testSplit: "test@1", curves: [], tooFew: [] });
  });

  it("refuses bad sizes and unknown projects", async () => {
    expect((await h.call("GET", "/api/projects/p/curves?at=0,-5")).status).toBe(400);
    expect((await h.call("GET", "/api/projects/p/curves?at=0")).status).toBe(400);
    expect((await h.call("GET", "/api/projects/p/curves?resamples=5")).status).toBe(400);
    expect((await h.call("GET", "/api/projects/nope/curves")).status).toBe(404);
  });
});
