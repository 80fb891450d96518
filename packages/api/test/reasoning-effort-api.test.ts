// `sampling.reasoning_effort` in POST /api/projects/P/eval-runs: checked against OpenAI's levels by the route's schema
// (a 400 naming the field and the levels, nothing stored), described in the OpenAPI document, and stored with the run.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiHarness } from "./api-harness.ts";

const EXAMPLES = fileURLToPath(new URL("../../../examples/ticket-routing/", import.meta.url));
const LEVELS = ["none", "minimal", "low", "medium", "high", "xhigh", "max"];

let h: Awaited<ReturnType<typeof apiHarness>>;
beforeAll(async () => {
  h = await apiHarness();
  const items = readFileSync(`${EXAMPLES}test.jsonl`, "utf8").split("\n").filter(Boolean).slice(0, 3).join("\n");
  expect((await h.call("POST", "/api/projects", { name: "tickets" })).status).toBe(201);
  expect((await h.call("PUT", "/api/projects/tickets/test-split", `${items}\n`, { "content-type": "application/x-ndjson" })).status).toBe(
    201,
  );
  const graders = await h.call("PUT", "/api/projects/tickets/graders", {
    graders: [{ type: "string_check", name: "exact", input: "{{sample.output_text}}", reference: "{{item.reference}}", operation: "eq" }],
    primary_metric: "exact",
  });
  expect(graders.status).toBe(201);
});
afterAll(async () => h?.dispose());

const storedRuns = async () => (await h.ws.db.selectFrom("eval_runs").select("id").execute()).length;

describe("sampling.reasoning_effort", () => {
  it("a level OpenAI does not have is a 400 naming the field and the levels, and stores no run", async () => {
    for (const effort of ["extreme", "HIGH", 3]) {
      const { status, json } = await h.call("POST", "/api/projects/tickets/eval-runs", {
        model: "local-tiny",
        sampling: { reasoning_effort: effort },
      });
      expect(status, String(effort)).toBe(400);
      expect(json.error.message).toMatch(/^sampling\.reasoning_effort: /);
      expect(json.error.message).toContain('"xhigh"');
    }
    expect(await storedRuns()).toBe(0);
  });

  it("is in the OpenAPI document with OpenAI's levels", async () => {
    const doc = (await h.call("GET", "/api/openapi.json")).json;
    expect(doc.components.schemas.SamplingParams.properties.reasoning_effort).toMatchObject({ type: "string", enum: LEVELS });
  });

  it("is stored with the run, which the local engine (taking and ignoring it) completes", async () => {
    const created = await h.call("POST", "/api/projects/tickets/eval-runs", {
      model: "local-tiny",
      sampling: { temperature: 0, seed: 0, max_tokens: 8, reasoning_effort: "high" },
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    expect(created.json.samplingParams).toEqual({ temperature: 0, seed: 0, max_tokens: 8, reasoning_effort: "high" });
    let run = created.json;
    for (let i = 0; i < 600 && run.status !== "completed" && run.status !== "failed"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      run = (await h.call("GET", `/api/eval-runs/${created.json.id}`)).json;
    }
    // the local engine takes reasoning_effort (and ignores it): every item answered, nothing left out
    expect(run.status, run.error).toBe("completed");
    expect(run.resultCounts.errored).toBe(0);
    expect(run.samplingNotes).toEqual([]);
    expect(run.samplingParams.reasoning_effort).toBe("high");
  }, 120_000);
});
