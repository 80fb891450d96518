// Two workers share a workspace. One that stalls (SIGSTOP, a lost database) for longer than its lease has its
// experiment taken over by the other; when it comes back, its next heartbeat finds the claim gone and it stops: it
// neither follows the training job nor scores the test split any further, and writes nothing more (the experiment is
// not failed nor cancelled), leaving the experiment to its new holder. Before, both ran it to "completed" (on a hosted
// provider every completion was paid twice). The takeover is one statement here, as a claim is.
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getEvalRun, runSamples } from "../eval-runs/eval-run.repository.ts";
import { type FakeAzure, startFakeAzure } from "../test-support/fake-azure-openai.ts";
import { providerTestWorkspace } from "../test-support/provider-workspace.ts";
import type { tempWorkspace } from "../test-support/temp-workspace.ts";
import { createExperiment } from "./create-experiment.ts";
import { getExperiment } from "./experiment.repository.ts";
import { ExperimentRunner } from "./experiment-runner.ts";
import type { ExperimentServices } from "./run-experiment.ts";

const MODEL = "gpt-4.1-nano-2025-04-14";
let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let services: ExperimentServices;
let fake: FakeAzure;
/** Chat completions for the scoring case: held until the test opens the gate. */
let gated: Server;
let completions = 0;
let open = false;
const held: Array<() => void> = [];

function startGatedProvider(): Promise<string> {
  gated = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    completions++;
    if (!open) await new Promise<void>((resolve) => held.push(resolve));
    if (res.destroyed) return;
    const messages = (JSON.parse(body) as { messages: Array<{ content: string }> }).messages;
    res.setHeader("content-type", "application/json");
    res.end(
      JSON.stringify({
        id: `chatcmpl-${completions}`,
        object: "chat.completion",
        created: 0,
        model: MODEL,
        choices: [
          {
            index: 0,
            message: { role: "assistant", content: messages.at(-1)?.content.includes("sky") ? "Yes" : "No" },
            finish_reason: "stop",
          },
        ],
        usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
      }),
    );
  });
  gated.listen(0, "127.0.0.1");
  return once(gated, "listening").then(() => `http://127.0.0.1:${(gated.address() as AddressInfo).port}/v1`);
}

beforeAll(async () => {
  process.env.LOST_LEASE_KEY = "sk-test";
  fake = await startFakeAzure({ flavour: "openai", apiKey: "sk-test", models: [MODEL], deployments: {}, answer: () => "Yes" });
  const scoring = await startGatedProvider();
  ({ ws, services } = await providerTestWorkspace({
    providers: {
      hosted: { kind: "openai", baseURL: fake.baseURL, apiKeyEnv: "LOST_LEASE_KEY" },
      gated: { kind: "openai", baseURL: scoring, apiKeyEnv: "LOST_LEASE_KEY" },
    },
  }));
});
afterAll(async () => {
  open = true;
  for (const release of held.splice(0)) release();
  gated.closeAllConnections();
  gated.close();
  await fake.close();
  await ws.dispose();
  delete process.env.LOST_LEASE_KEY;
});

/** Another process claims the experiment, as a worker does once this one's lease ran out. */
const takeOver = (id: string) =>
  ws.db.updateTable("experiments").set({ lease_owner: "another-process", lease_expires_at: 4_000_000_000 }).where("id", "=", id).execute();
/** That process gives it back (it stopped). */
const giveBack = (id: string) =>
  ws.db.updateTable("experiments").set({ lease_owner: null, lease_expires_at: null }).where("id", "=", id).execute();
const leaseOwner = async (id: string) =>
  (await ws.db.selectFrom("experiments").select("lease_owner").where("id", "=", id).executeTakeFirstOrThrow()).lease_owner;

describe("a worker whose experiment another worker took over while it stalled", () => {
  it("stops following the training job, leaving the job and the experiment to the other worker", async () => {
    fake.holdRunning = true;
    const { experiment } = await createExperiment(ws, { project: "p", provider: "hosted", dataset: "train@1", model: MODEL });
    const stalled = new ExperimentRunner(ws, services, 1, 1);
    let settled = false;
    const first = stalled.run(experiment.id).finally(() => {
      settled = true;
    });
    await expect.poll(async () => (await getExperiment(ws.db, experiment.id)).status, { timeout: 10_000 }).toBe("training");
    await takeOver(experiment.id);
    // its next heartbeat finds the claim gone: it stops, the experiment still training and the other's
    await expect.poll(() => settled, { timeout: 10_000 }).toBe(true);
    expect((await first).status).toBe("training");
    const left = await getExperiment(ws.db, experiment.id);
    expect(left.status).toBe("training");
    expect(left.error).toBeNull();
    expect(await leaseOwner(experiment.id)).toBe("another-process");
    const jobId = left.providerJobId as string;
    expect(fake.jobs.get(jobId)?.status).toBe("running");
    expect(fake.requests.filter((r) => r.path.endsWith("/cancel"))).toHaveLength(0);

    // a runner waiting for the other process's claim is not stopped by its own heartbeats: it takes over once given back
    const other = new ExperimentRunner(ws, services, 1, 1);
    try {
      const done = other.run(experiment.id);
      await new Promise((resolve) => setTimeout(resolve, 1_500)); // several of its heartbeats
      await giveBack(experiment.id);
      fake.holdRunning = false;
      expect((await done).status).toBe("completed");
    } finally {
      await Promise.all([stalled.close(), other.close()]);
    }
    // one job, trained once
    expect(fake.jobs.size).toBe(1);
  }, 30_000);

  it("stops scoring the test split, leaving the eval run unfinished to the other worker", async () => {
    const { experiment } = await createExperiment(ws, { project: "p", provider: "gated", model: MODEL, method: "none" });
    const stalled = new ExperimentRunner(ws, services, 1, 1);
    let settled = false;
    const first = stalled.run(experiment.id).finally(() => {
      settled = true;
    });
    await expect.poll(() => completions, { timeout: 10_000 }).toBeGreaterThan(0);
    await takeOver(experiment.id);
    await expect.poll(() => settled, { timeout: 10_000 }).toBe(true);
    expect((await first).status).toBe("evaluating");
    const left = await getExperiment(ws.db, experiment.id);
    expect(left.status).toBe("evaluating");
    expect(left.error).toBeNull();
    expect(await leaseOwner(experiment.id)).toBe("another-process");
    const run = await getEvalRun(ws.db, left.evalRunId as string);
    expect(run.status).toBe("running");
    expect(run.finishedAt).toBeNull();
    // the answers in flight when it stopped are not stored (neither as answers nor as errors)
    expect(await runSamples(ws.db, run.id)).toHaveLength(0);

    open = true;
    for (const release of held.splice(0)) release();
    await giveBack(experiment.id);
    const other = new ExperimentRunner(ws, services, 1, 1);
    try {
      expect((await other.run(experiment.id)).status).toBe("completed");
    } finally {
      await Promise.all([stalled.close(), other.close()]);
    }
    const samples = await runSamples(ws.db, run.id);
    expect(samples).toHaveLength(2);
    expect(new Set(samples.map((s) => s.item_id)).size).toBe(2);
  }, 30_000);
});
