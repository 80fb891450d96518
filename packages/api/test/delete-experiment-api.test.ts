// DELETE /api/experiments/{id} on the real app: a finished experiment is deleted with its eval runs (200, then 404 and
// gone from the list and the leaderboard, with a status event for open pages); a training one is refused 409 (cancel it
// first), an unknown id 404, a malformed id 400, a viewer 403; none of those deletes anything.
import { addUser, recordMetrics, updateExperiment } from "@tunelab/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { samplesAtPassRate, scoreExperiment } from "../../../packages/core/src/test-support/score-experiment.ts";
import { seedScoredProject, untrainedExperiment } from "../../../packages/core/src/test-support/scored-project.ts";
import { apiHarness } from "./api-harness.ts";

let h: Awaited<ReturnType<typeof apiHarness>>;
beforeAll(async () => {
  h = await apiHarness();
  await seedScoredProject(h.ws, { project: "p", items: 3 });
}, 120_000);
afterAll(async () => h?.dispose());

const listed = async () => ((await h.call("GET", "/api/projects/p/experiments")).json.data as Array<{ id: string }>).map((e) => e.id);
const onBoard = async () =>
  ((await h.call("GET", "/api/projects/p/leaderboard")).json.rows as Array<{ experimentId: string }>).map((r) => r.experimentId);

describe("DELETE /api/experiments/{id}", () => {
  it("deletes a completed experiment and its eval run; it leaves the list and the leaderboard; the other stays", async () => {
    const gone = await untrainedExperiment(h.ws, "p", "gone", 1);
    const kept = await untrainedExperiment(h.ws, "p", "kept", 2);
    const run = await scoreExperiment(h.ws, gone, samplesAtPassRate(3, 0.5));
    await scoreExperiment(h.ws, kept, samplesAtPassRate(3, 0.5));
    await recordMetrics(h.ws.db, gone, [{ step: 1, total_steps: 1, train_loss: 0.5 }]);
    expect(await onBoard()).toEqual(expect.arrayContaining([gone, kept]));
    const after = await h.services.events.latestId();

    const deleted = await h.call("DELETE", `/api/experiments/${gone}`);
    expect(deleted.status, JSON.stringify(deleted.json)).toBe(200);
    expect(deleted.json).toEqual({ id: gone, deleted: true, tunedModel: null });

    expect((await h.call("GET", `/api/experiments/${gone}`)).status).toBe(404);
    expect((await h.call("GET", `/api/eval-runs/${run}`)).status).toBe(404);
    expect(await listed()).toEqual([kept]);
    expect(await onBoard()).toEqual([kept]);
    // open pages hear of it as a status change, so their leaderboards refresh
    await h.services.events.flush();
    const logged = await h.ws.db.selectFrom("events").select("payload_json").where("id", ">", after).execute();
    expect(logged.map((e) => JSON.parse(e.payload_json))).toContainEqual({
      type: "status",
      experimentId: gone,
      status: "completed",
      message: "deleted",
    });

    const again = await h.call("DELETE", `/api/experiments/${gone}`);
    expect(again.status).toBe(404);
    expect(again.json.error).toMatchObject({ code: "not_found", message: expect.stringContaining(gone) });
  });

  it("refuses a training experiment with 409 (cancel it first) and an unknown or malformed id, deleting nothing", async () => {
    const running = await untrainedExperiment(h.ws, "p", "running", 3);
    await updateExperiment(h.ws.db, running, { status: "training" });
    const before = await listed();

    const refused = await h.call("DELETE", `/api/experiments/${running}`);
    expect(refused.status).toBe(409);
    expect(refused.json.error).toMatchObject({ code: "conflict", message: expect.stringContaining(`tunelab exp cancel ${running}`) });
    expect((await h.call("GET", `/api/experiments/${running}`)).json.status).toBe("training");

    const unknown = await h.call("DELETE", "/api/experiments/exp_nosuchexperiment");
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.message).toContain("exp_nosuchexperiment");
    expect((await h.call("DELETE", "/api/experiments/NOT-AN-ID")).status).toBe(400);
    expect(await listed()).toEqual(before);
  });

  it("needs the editor role, as every change does: a viewer's delete is refused 403 and deletes nothing", async () => {
    const target = await untrainedExperiment(h.ws, "p", "target", 4);
    const viewer = (await addUser(h.ws.db, { name: "viewer-1", role: "viewer" })).token;
    const editor = (await addUser(h.ws.db, { name: "editor-1", role: "editor" })).token;
    const refused = await h.call("DELETE", `/api/experiments/${target}`, undefined, { authorization: `Bearer ${viewer}` });
    expect(refused.status).toBe(403);
    expect(refused.json.error.code).toBe("forbidden");
    const shown = await h.call("GET", `/api/experiments/${target}`, undefined, { authorization: `Bearer ${editor}` });
    expect(shown.json.id).toBe(target);
    const deleted = await h.call("DELETE", `/api/experiments/${target}`, undefined, { authorization: `Bearer ${editor}` });
    expect(deleted.json).toEqual({ id: target, deleted: true, tunedModel: null });
  });
});
