// Together's job list (`GET /v1/fine-tunes`) is documented without parameters and answers every job of the account at
// once (https://docs.together.ai/reference/get-fine-tunes, togethercomputer/openapi): there are no pages to follow. The
// adapter finds an experiment's job in a long history with one request, against the loopback replica (which refuses a
// list request with parameters, as an undocumented one).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { newId } from "../../shared/id.ts";
import { type FakeTogether, startFakeTogether } from "../../test-support/fake-together.ts";
import { togetherSuffix, togetherTrainer } from "./together.ts";

const BASE = "meta-llama/Llama-3.2-1B-Instruct";
/** Jobs of other experiments in the account's history. */
const HISTORY = 5_000;
let fake: FakeTogether;

beforeAll(async () => {
  fake = await startFakeTogether({ apiKey: "tk-test", models: [BASE] });
  const start = Date.parse("2026-01-01T00:00:00Z");
  for (let i = 0; i < HISTORY; i++) {
    // some with a user's suffix before the tag, as togetherSuffix makes them
    fake.addJob({
      body: { training_file: "file-x", model: BASE, suffix: togetherSuffix(newId("exp"), i % 3 === 0 ? `run-${i}` : null) },
      status: i % 7 === 0 ? "error" : "completed",
      created_at: new Date(start + i * 60_000).toISOString(),
    });
  }
});
beforeEach(() => {
  fake.requests.length = 0;
});
afterAll(() => fake.close());

const trainer = () => togetherTrainer({ provider: "together", baseURL: fake.baseURL, apiKey: "tk-test" });
const lists = () => fake.requests.filter((request) => request.method === "GET" && request.path.startsWith("/v1/fine-tunes"));

describe("Together's unpaged job list", () => {
  it("finds an experiment's job among thousands with one request, and its newest job when it has two", async () => {
    const experiment = newId("exp");
    // listed before the newer one: the first match in the list is not the experiment's job
    const older = fake.addJob({
      body: { training_file: "file-x", model: BASE, suffix: togetherSuffix(experiment, "mine") },
      status: "cancelled",
      created_at: "2026-11-01T00:00:00Z",
    });
    const newer = fake.addJob({
      body: { training_file: "file-x", model: BASE, suffix: togetherSuffix(experiment, "mine") },
      status: "running",
      created_at: "2026-11-02T00:00:00Z",
    });
    const found = await trainer().findJob(experiment, AbortSignal.timeout(30_000));
    expect(found).toBe(newer.id);
    expect(found).not.toBe(older.id);
    expect(fake.jobs.size).toBeGreaterThan(HISTORY);
    // one request, without parameters: the list is every job at once
    expect(lists().map((request) => request.path)).toEqual(["/v1/fine-tunes"]);
  });

  it("finds no job for an experiment that has none, with one request", async () => {
    expect(await trainer().findJob(newId("exp"), AbortSignal.timeout(30_000))).toBeUndefined();
    expect(lists()).toHaveLength(1);
  });

  it("the replica refuses a list request with parameters (Together documents none)", async () => {
    const response = await fetch(`${fake.baseURL}/fine-tunes?limit=100&after=ft-1`, { headers: { authorization: "Bearer tk-test" } });
    expect(response.status).toBe(400);
    expect(fake.refused.at(-1)?.reason).toBe("GET /v1/fine-tunes takes no parameters, got ?limit=100&after=ft-1");
  });
});
