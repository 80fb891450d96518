// POST /api/projects/{project}/sweeps takes core's sweep grid: data fractions are part of it, counted in its
// 200-point limit before anything is stored (the same check as `tunelab sweep`).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiHarness } from "./api-harness.ts";

const EXAMPLES = fileURLToPath(new URL("../../../examples/ticket-routing/", import.meta.url));
const ndjson = { "content-type": "application/x-ndjson" };

let h: Awaited<ReturnType<typeof apiHarness>>;
beforeAll(async () => {
  h = await apiHarness();
  const { call } = h;
  expect((await call("POST", "/api/projects", { name: "tickets" })).status).toBe(201);
  expect((await call("PUT", "/api/projects/tickets/test-split", readFileSync(`${EXAMPLES}test.jsonl`, "utf8"), ndjson)).status).toBe(201);
  const train = await call(
    "POST",
    "/api/projects/tickets/datasets/train/versions",
    readFileSync(`${EXAMPLES}train-v1.jsonl`, "utf8"),
    ndjson,
  );
  expect(train.status).toBe(201);
  const graders = {
    type: "string_check",
    name: "exact",
    input: "{{sample.output_text}}",
    reference: "{{item.reference}}",
    operation: "eq",
  };
  expect((await call("PUT", "/api/projects/tickets/graders", { graders: [graders] })).status).toBe(201);
});
afterAll(async () => h.dispose());

describe("sweeps through the API", () => {
  it("refuses a grid over 200 points, data fractions counted, storing no subset", async () => {
    const { call } = h;
    const tooBig = await call("POST", "/api/projects/tickets/sweeps", {
      datasets: ["train@1"],
      model: "local-tiny",
      dataFractions: [0.25, 0.5, 1],
      n_epochs: Array.from({ length: 10 }, (_, i) => i + 1),
      lora_rank: [1, 2, 3, 4, 5, 6, 7],
    });
    expect(tooBig.status).toBe(400);
    expect(JSON.stringify(tooBig.json)).toContain("a sweep may have at most 200 points; this grid has 210");
    const datasets = await call("GET", "/api/projects/tickets/datasets");
    expect(JSON.stringify(datasets.json)).not.toContain("pct");
  });

  it("documents the data fractions and their seed in the Sweep schema", async () => {
    const doc = await h.call("GET", "/api/openapi.json");
    const properties = Object.keys(doc.json.components.schemas.Sweep.properties);
    expect(properties).toEqual(expect.arrayContaining(["datasets", "dataFractions", "fractionSeed", "lora_rank"]));
  });
});
