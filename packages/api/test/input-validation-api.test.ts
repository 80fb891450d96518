// Bad input to the API is a 400 naming the field and writes nothing: unknown providers and local models (refused up
// front, not when the run fails later), over-long names and token counts, unknown keys (on /api and on /v1).
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
  // a project an eval run could be stored in: a test split and a grader
  const items = readFileSync(`${EXAMPLES}test.jsonl`, "utf8").split("\n").filter(Boolean).slice(0, 4).join("\n");
  expect((await call("POST", "/api/projects", { name: "tickets" })).status).toBe(201);
  expect((await call("PUT", "/api/projects/tickets/test-split", `${items}\n`, ndjson)).status).toBe(201);
  const graders = await call("PUT", "/api/projects/tickets/graders", {
    graders: [{ type: "string_check", name: "exact", input: "{{sample.output_text}}", reference: "{{item.reference}}", operation: "eq" }],
    primary_metric: "exact",
  });
  expect(graders.status).toBe(201);
});
afterAll(async () => h?.dispose());

const storedRuns = async () => (await h.ws.db.selectFrom("eval_runs").select("id").execute()).length;
const storedExperiments = async () => (await h.call("GET", "/api/projects/tickets/experiments")).json.data.length;

describe("eval runs", () => {
  it("an unknown provider or local model is a 400 naming the field, and stores no run", async () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ model: "local-tiny", provider: "nope-provider" }, "provider", /unknown provider "nope-provider" \(known: local, openai\)/],
      [{ model: "nonexistent-model" }, "model", /local engine has no model "nonexistent-model" \(base models: local-tiny/],
      [{ model: "nonexistent-model", provider: "local" }, "model", /no model "nonexistent-model"/],
      [{ model: "ft:local-tiny:tunelab:x:ftjob-nope" }, "model", /no model "ft:local-tiny:tunelab:x:ftjob-nope"/],
    ];
    for (const [body, field, message] of cases) {
      const { status, json } = await h.call("POST", "/api/projects/tickets/eval-runs", body);
      expect(status, JSON.stringify(body)).toBe(400);
      expect(json.error.code).toBe("invalid_argument");
      expect(json.error.message).toMatch(new RegExp(`^${field}: `));
      expect(json.error.message).toMatch(message);
      expect(json.error.details).toMatchObject({ field });
    }
    expect(await storedRuns()).toBe(0);
  });

  it("a model name over 256 characters and max_tokens over 131,072 are refused by the schema, briefly", async () => {
    const long = await h.call("POST", "/api/projects/tickets/eval-runs", { model: "m".repeat(100_000) });
    expect(long.status).toBe(400);
    expect(long.json.error.message).toMatch(/^model: /);
    expect(long.json.error.message).toContain("256");
    expect(JSON.stringify(long.json).length).toBeLessThan(1_000);
    for (const key of ["max_tokens", "max_completion_tokens"]) {
      const big = await h.call("POST", "/api/projects/tickets/eval-runs", { model: "local-tiny", sampling: { [key]: 999_999_999_999 } });
      expect(big.status, key).toBe(400);
      expect(big.json.error.message).toMatch(new RegExp(`^sampling\\.${key}: .*131072`));
    }
    const provider = await h.call("POST", "/api/projects/tickets/eval-runs", { model: "local-tiny", provider: "p".repeat(5_000) });
    expect(provider.status).toBe(400);
    expect(JSON.stringify(provider.json).length).toBeLessThan(1_000);
    expect(await storedRuns()).toBe(0);
  });
});

describe("experiments", () => {
  it("an unknown provider or local model is a 400 naming the field, and stores no experiment", async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ model: "local-tiny", provider: "nope", method: "none", run: false }, "provider"],
      [{ model: "local-tiny", provider: "nope", dataset: "train@1", run: false }, "provider"],
      [{ model: "nonexistent-model", method: "none", run: false }, "model"],
      [{ model: "nonexistent-model", provider: "local", dataset: "train@1", run: false }, "model"],
      [{ model: "x".repeat(300), method: "none", run: false }, "model"],
    ];
    for (const [body, field] of cases) {
      const { status, json } = await h.call("POST", "/api/projects/tickets/experiments", body);
      expect(status, JSON.stringify(body).slice(0, 200)).toBe(400);
      expect(json.error.message).toMatch(new RegExp(`^${field}: `));
    }
    const sweep = await h.call("POST", "/api/projects/tickets/sweeps", { datasets: ["train@1"], model: "local-tiny", provider: "nope" });
    expect(sweep.status).toBe(400);
    expect(sweep.json.error.message).toMatch(/^provider: unknown provider "nope"/);
    expect(await storedExperiments()).toBe(0);
  });

  it("known providers and the engine's models are stored (hosted providers' models are theirs to check)", async () => {
    const local = await h.call("POST", "/api/projects/tickets/experiments", { model: "local-tiny", method: "none", run: false });
    expect(local.status, JSON.stringify(local.json)).toBe(201);
    const hosted = await h.call("POST", "/api/projects/tickets/experiments", {
      model: "gpt-4o-mini",
      provider: "openai",
      method: "none",
      run: false,
    });
    expect(hosted.status, JSON.stringify(hosted.json)).toBe(201);
    expect(await storedExperiments()).toBe(2);
  });
});

describe("leaderboard", () => {
  it("a status filter that is no experiment status is a 400 naming status, not an empty board", async () => {
    const { status, json } = await h.call("GET", "/api/projects/tickets/leaderboard?status=finished");
    expect(status).toBe(400);
    expect(json.error.code).toBe("invalid_argument");
    expect(json.error.message).toMatch(/^status: .*"completed"/);
    expect((await h.call("GET", "/api/projects/tickets/leaderboard?status=completed")).status).toBe(200);
  });

  it("a malformed dataset filter is a 400 naming dataset, not an empty board (train@x) or train@1's (train@1@2)", async () => {
    for (const dataset of ["train@x", "train@1@2"]) {
      const { status, json } = await h.call("GET", `/api/projects/tickets/leaderboard?dataset=${encodeURIComponent(dataset)}`);
      expect(status, dataset).toBe(400);
      expect(json.error.message, dataset).toMatch(/^dataset: expected NAME or NAME@N/);
    }
  });
});

describe("projects", () => {
  it("an unknown key is a 400 naming it, and creates nothing", async () => {
    const { status, json } = await h.call("POST", "/api/projects", { name: "okname", bogus: 1 });
    expect(status).toBe(400);
    expect(json.error.message).toMatch(/^bogus: /);
    expect(json.error.details[0].path).toBe("bogus");
    expect((await h.call("GET", "/api/projects/okname")).status).toBe(404);
  });

  it("a 5,000-character name is a short 400 that does not echo it", async () => {
    const name = "a".repeat(5_000);
    const { status, json } = await h.call("POST", "/api/projects", { name });
    expect(status).toBe(400);
    expect(json.error.message).toMatch(/^name: /);
    const text = JSON.stringify(json);
    expect(text.length).toBeLessThan(1_000);
    expect(text).not.toContain("a".repeat(65));
    for (const bad of ["", "-lead", "sp ace", "x".repeat(65)])
      expect((await h.call("POST", "/api/projects", { name: bad })).status, bad).toBe(400);
    expect((await h.call("POST", "/api/projects", { name: "x".repeat(64) })).status).toBe(201);
  });
});

describe("/v1", () => {
  it("an unknown key of a fine-tuning job is a 400 whose param names it, as OpenAI's", async () => {
    const response = await h.app.request("/v1/fine_tuning/jobs", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "local-tiny", training_file: "file-nope", foo: 1 }),
    });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: Record<string, unknown> };
    expect(error).toMatchObject({ type: "invalid_request_error", param: "foo", code: "unknown_parameter" });
    expect(error.message).toBe("Unknown parameter: 'foo'.");
  });
});
