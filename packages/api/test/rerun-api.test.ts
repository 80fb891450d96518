// Running a finished experiment again over HTTP: POST /run on a failed one is a 409 that says how to run the same
// setup again, and following it works (an identical experiment is returned as it is unless forced).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiHarness } from "./api-harness.ts";
import { ticketsProject } from "./tickets-project.ts";

let h: Awaited<ReturnType<typeof apiHarness>>;
beforeAll(async () => {
  h = await apiHarness();
  await ticketsProject(h, 4);
});
afterAll(async () => h?.dispose());

const finished = async (id: string) => {
  for (;;) {
    const { json } = await h.call("GET", `/api/experiments/${id}`);
    if (["completed", "failed", "cancelled"].includes(json.status)) return json;
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe("POST /api/experiments/{id}/run on a failed experiment", () => {
  it("is a 409 that says to create it again with force: true, which then makes a new experiment", async () => {
    // a learning rate 100 times the default makes local-tiny's training diverge: the experiment fails
    const setup = { dataset: "train@1", model: "local-tiny", hyperparameters: { n_epochs: 2, learning_rate_multiplier: 100 } };
    const created = await h.call("POST", "/api/projects/tickets/experiments", setup);
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const failed = await finished(created.json.experiment.id);
    expect(failed.status).toBe("failed");

    const rerun = await h.call("POST", `/api/experiments/${failed.id}/run`);
    expect(rerun.status).toBe(409);
    expect(rerun.json.error.message).toMatch(/already failed; .*"force": true/);
    // as the message says: without force the failed one comes back as it is, with force a new one is made
    const again = await h.call("POST", "/api/projects/tickets/experiments", { ...setup, run: false });
    expect([again.status, again.json.created, again.json.experiment.id]).toEqual([200, false, failed.id]);
    const forced = await h.call("POST", "/api/projects/tickets/experiments", { ...setup, run: false, force: true });
    expect([forced.status, forced.json.created]).toEqual([201, true]);
    expect(forced.json.experiment.id).not.toBe(failed.id);
  }, 120_000);
});
