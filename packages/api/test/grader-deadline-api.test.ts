// The model graders' request deadline and attempts of an eval run started over HTTP: `graderTimeoutSeconds` and
// `graderAttempts` (optional, 60 s and 3 by default) are recorded with the run; bad values are a 400 naming the field
// and what was expected, and store nothing. Experiments take them in `evaluation`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiHarness } from "./api-harness.ts";
import { ticketsProject } from "./tickets-project.ts";

let h: Awaited<ReturnType<typeof apiHarness>>;
beforeAll(async () => {
  h = await apiHarness();
  await ticketsProject(h, 2);
});
afterAll(async () => h?.dispose());

const finished = async (id: string) => {
  for (;;) {
    const { json } = await h.call("GET", `/api/eval-runs/${id}`);
    if (["completed", "failed", "cancelled"].includes(json.status)) return json;
    await new Promise((r) => setTimeout(r, 100));
  }
};

const storedRuns = async () => (await h.ws.db.selectFrom("eval_runs").select("id").execute()).length;

describe("POST /api/projects/{project}/eval-runs with graderTimeoutSeconds and graderAttempts", () => {
  it("refuses bad values with a 400 naming the field and what was expected, storing no run", async () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ graderTimeoutSeconds: 0 }, "graderTimeoutSeconds", "expected a number of seconds above 0 (at least 0.001)"],
      [{ graderTimeoutSeconds: 7200 }, "graderTimeoutSeconds", "expected at most 3600 seconds (an hour)"],
      [{ graderTimeoutSeconds: "60" }, "graderTimeoutSeconds", "expected a number of seconds"],
      [{ graderAttempts: 0 }, "graderAttempts", "expected a whole number from 1 to 10"],
      [{ graderAttempts: 11 }, "graderAttempts", "expected a whole number from 1 to 10"],
      [{ graderAttempts: 1.5 }, "graderAttempts", "expected a whole number from 1 to 10"],
    ];
    for (const [fields, field, expected] of cases) {
      const { status, json } = await h.call("POST", "/api/projects/tickets/eval-runs", { model: "local-tiny", ...fields });
      expect(status, JSON.stringify(fields)).toBe(400);
      expect(json.error.code).toBe("invalid_argument");
      expect(json.error.message).toBe(`${field}: ${expected}`);
    }
    expect(await storedRuns()).toBe(0);
  });

  it("records the values given, and 60 s and 3 attempts when none are", async () => {
    const created = await h.call("POST", "/api/projects/tickets/eval-runs", {
      model: "local-tiny",
      graderTimeoutSeconds: 90.5,
      graderAttempts: 1,
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    expect(created.json).toMatchObject({ graderTimeoutSeconds: 90.5, graderAttempts: 1 });
    expect(await finished(created.json.id)).toMatchObject({ status: "completed", graderTimeoutSeconds: 90.5, graderAttempts: 1 });

    const plain = await h.call("POST", "/api/projects/tickets/eval-runs", { model: "local-tiny" });
    expect(plain.status, JSON.stringify(plain.json)).toBe(201);
    expect(plain.json).toMatchObject({ graderTimeoutSeconds: 60, graderAttempts: 3 });
    await finished(plain.json.id);
  }, 120_000);
});

describe("POST /api/projects/{project}/experiments with evaluation.graderTimeoutSeconds and graderAttempts", () => {
  it("refuses bad values naming the field, and stores good ones with the experiment", async () => {
    const setup = { dataset: "train@1", model: "local-tiny", run: false };
    const bad = await h.call("POST", "/api/projects/tickets/experiments", { ...setup, evaluation: { graderAttempts: 0 } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toBe("evaluation.graderAttempts: expected a whole number from 1 to 10");
    expect((await h.call("GET", "/api/projects/tickets/experiments")).json.total ?? 0).toBe(0);

    const created = await h.call("POST", "/api/projects/tickets/experiments", {
      ...setup,
      evaluation: { graderTimeoutSeconds: 300, graderAttempts: 2 },
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    expect(created.json.experiment.evaluation).toEqual({ trials: 1, graderTimeoutSeconds: 300, graderAttempts: 2 });
  });
});
