// Two workers share a workspace, each with its own embedded engine, or one engine between them on one machine. The
// first stalls for longer than its lease and the second takes its experiment over; the first stops following it on
// its next heartbeat, but its engine's job was left training. Each "machine" reaches its own loopback replica of
// OpenAI's job API as its `local` provider (a replica's jobs only advance while polled, as if trained by whoever
// follows them). Before, the job left behind on another machine trained on to its end for nobody; now the first
// worker watches the experiment and cancels its job once the new holder follows another (or none), never while the
// experiment still names it (the new holder adopted it on the shared engine). The takeover is one statement here, as
// a claim is.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeAzure, startFakeAzure } from "../test-support/fake-azure-openai.ts";
import { machineServices } from "../test-support/machine-engine.ts";
import { providerTestWorkspace } from "../test-support/provider-workspace.ts";
import type { tempWorkspace } from "../test-support/temp-workspace.ts";
import { createExperiment } from "./create-experiment.ts";
import { getExperiment } from "./experiment.repository.ts";
import { ExperimentRunner } from "./experiment-runner.ts";

const BASE = "gpt-4.1-nano-2025-04-14";
const machines: FakeAzure[] = [];
let ws: Awaited<ReturnType<typeof tempWorkspace>>;

const worker = (engine: FakeAzure) => new ExperimentRunner(ws, machineServices(ws, engine), 1, 1);
const experimentOnLocal = async (seed: number) =>
  (await createExperiment(ws, { project: "p", provider: "local", dataset: "train@1", model: BASE, seed })).experiment.id;
/** Another process claims the experiment, as a worker does once this one's lease ran out. */
const takeOver = (id: string) =>
  ws.db.updateTable("experiments").set({ lease_owner: "another-process", lease_expires_at: 4_000_000_000 }).where("id", "=", id).execute();
/** That process gives it back, for the next worker (a real one) to claim. */
const giveBack = (id: string) =>
  ws.db.updateTable("experiments").set({ lease_owner: null, lease_expires_at: null }).where("id", "=", id).execute();

/** The id of the experiment's job once it runs on `engine`. */
async function runningJob(engine: FakeAzure, id: string): Promise<string> {
  let current = await getExperiment(ws.db, id);
  while (!current.providerJobId || engine.jobs.get(current.providerJobId)?.status !== "running") {
    await new Promise((r) => setTimeout(r, 20));
    current = await getExperiment(ws.db, id);
  }
  return current.providerJobId;
}

/** A worker on `engine` starts the experiment, then loses it to another process; returns its job's id. */
async function startThenLose(stalled: ExperimentRunner, engine: FakeAzure, id: string): Promise<string> {
  const first = stalled.run(id);
  const jobId = await runningJob(engine, id);
  await takeOver(id);
  expect((await first).status).toBe("training"); // stopped on its next heartbeat, the experiment left to the other
  // the experiment still names the job: the new holder may follow it, so it is watched, not cancelled
  expect(stalled.watchedLeftBehind).toEqual([id]);
  expect(engine.jobs.get(jobId)?.status).toBe("running");
  return jobId;
}

beforeAll(async () => {
  for (let i = 0; i < 2; i++) {
    machines.push(
      await startFakeAzure({
        flavour: "openai",
        apiKey: "sk-test",
        models: [BASE],
        deployments: {},
        answer: () => "Yes",
        firstId: 1 + i * 1000,
      }),
    );
  }
  ({ ws } = await providerTestWorkspace({ providers: {} }));
});
afterAll(async () => {
  for (const machine of machines) await machine.close();
  await ws.dispose();
});

describe("the local job of a worker whose experiment another worker took over", () => {
  it("is cancelled in its own engine once the new holder on another machine trains on its own", async () => {
    const [mine, theirs] = machines as [FakeAzure, FakeAzure];
    mine.holdRunning = true;
    theirs.holdRunning = true;
    const id = await experimentOnLocal(1);
    const stalled = worker(mine);
    const taking = worker(theirs);
    try {
      const jobId = await startThenLose(stalled, mine, id);

      await giveBack(id);
      const done = taking.run(id);
      await expect.poll(() => mine.jobs.get(jobId)?.status, { timeout: 10_000 }).toBe("cancelled");
      // the engine marks the job cancelled as the request arrives; the watcher lets go once it has the answer
      await expect.poll(() => stalled.watchedLeftBehind, { timeout: 10_000 }).toEqual([]);
      theirs.holdRunning = false;
      const finished = await done;
      expect(finished.status, finished.error ?? "").toBe("completed");
      expect(theirs.jobs.has(finished.providerJobId ?? "")).toBe(true);
      expect(mine.jobs.size).toBe(1);
      expect(mine.requests.filter((r) => r.method === "POST" && r.path.endsWith(`/${jobId}/cancel`))).toHaveLength(1);
    } finally {
      mine.holdRunning = false;
      theirs.holdRunning = false;
      await Promise.all([stalled.close(), taking.close()]);
    }
  }, 30_000);

  it("is left to the new holder on the same engine, which adopts it and completes the experiment", async () => {
    const [engine] = machines as [FakeAzure];
    engine.holdRunning = true;
    const id = await experimentOnLocal(2);
    const stalled = worker(engine);
    const taking = worker(engine);
    try {
      const jobId = await startThenLose(stalled, engine, id);
      const jobsBefore = engine.jobs.size;

      await giveBack(id);
      const done = taking.run(id);
      await new Promise((resolve) => setTimeout(resolve, 1_500)); // several heartbeats of both
      expect((await getExperiment(ws.db, id)).providerJobId).toBe(jobId);
      expect(engine.jobs.get(jobId)?.status).toBe("running");
      expect(stalled.watchedLeftBehind).toEqual([id]);

      engine.holdRunning = false;
      const finished = await done;
      expect(finished.status, finished.error ?? "").toBe("completed");
      expect(finished.providerJobId).toBe(jobId);
      // trained once, by the job adopted; the first worker stops watching it, without cancelling it
      await expect.poll(() => stalled.watchedLeftBehind, { timeout: 10_000 }).toEqual([]);
      expect(engine.jobs.size).toBe(jobsBefore);
      expect(engine.jobs.get(jobId)?.status).toBe("succeeded");
      expect(engine.requests.some((r) => r.path.endsWith(`/${jobId}/cancel`))).toBe(false);
    } finally {
      engine.holdRunning = false;
      await Promise.all([stalled.close(), taking.close()]);
    }
  }, 30_000);

  it("is not taken up again, once cancelled, when the experiment comes back to its machine: it trains anew", async () => {
    const [mine, theirs] = machines as [FakeAzure, FakeAzure];
    mine.holdRunning = true;
    theirs.holdRunning = true;
    const id = await experimentOnLocal(3);
    const stalled = worker(mine);
    const taking = worker(theirs);
    try {
      const jobId = await startThenLose(stalled, mine, id);
      await giveBack(id);
      void taking.run(id);
      await expect.poll(() => mine.jobs.get(jobId)?.status, { timeout: 10_000 }).toBe("cancelled");
      await runningJob(theirs, id);
      await taking.close(); // the second worker stops in turn, releasing its claim

      mine.holdRunning = false;
      const finished = await stalled.run(id);
      expect(finished.status, finished.error ?? "").toBe("completed");
      expect(finished.providerJobId).not.toBe(jobId);
      expect(mine.jobs.get(finished.providerJobId ?? "")?.status).toBe("succeeded");
    } finally {
      mine.holdRunning = false;
      theirs.holdRunning = false;
      await Promise.all([stalled.close(), taking.close()]);
    }
  }, 30_000);

  it("is no longer watched once its worker closes", async () => {
    const [engine] = machines as [FakeAzure];
    engine.holdRunning = true;
    const id = await experimentOnLocal(4);
    const stalled = worker(engine);
    try {
      await startThenLose(stalled, engine, id);
      await stalled.close();
      expect(stalled.watchedLeftBehind).toEqual([]);
    } finally {
      engine.holdRunning = false;
      await stalled.close();
    }
  }, 30_000);
});
