// A worker on another machine takes over an experiment on the embedded engine whose worker died mid-training. Each
// machine's engine is its own: here each "machine" reaches its own loopback replica of OpenAI's job API as its
// `local` provider. The first machine's job is unknown to the second's engine, so the second forgets the upload and
// the job and trains again on its own engine, to the end. Without that, following the first machine's job id fails
// the experiment with a 404.
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

const servicesOf = (engine: FakeAzure) => machineServices(ws, engine);

beforeAll(async () => {
  for (let i = 0; i < 2; i++) {
    machines.push(await startFakeAzure({ flavour: "openai", apiKey: "sk-test", models: [BASE], deployments: {}, answer: () => "Yes" }));
  }
  ({ ws } = await providerTestWorkspace({ providers: {} }));
});
afterAll(async () => {
  for (const machine of machines) await machine.close();
  await ws.dispose();
});

describe("an embedded-engine experiment taken over by a worker on another machine", () => {
  it("trains again on the new machine's engine and completes once", async () => {
    const [first, second] = machines as [FakeAzure, FakeAzure];
    first.holdRunning = true;
    const { experiment } = await createExperiment(ws, { project: "p", provider: "local", dataset: "train@1", model: BASE });
    const dying = new ExperimentRunner(ws, servicesOf(first), 1, 1);
    void dying.run(experiment.id);
    let current = await getExperiment(ws.db, experiment.id);
    while (!current.providerJobId || first.jobs.get(current.providerJobId)?.status !== "running") {
      await new Promise((r) => setTimeout(r, 20));
      current = await getExperiment(ws.db, experiment.id);
    }
    // the first worker stops (its claim is released; a SIGKILL would let it lapse instead)
    await dying.close();

    const taking = new ExperimentRunner(ws, servicesOf(second), 1, 1);
    try {
      const done = await taking.run(experiment.id);
      expect(done.status, done.error ?? "").toBe("completed");
      expect(second.jobs.size).toBe(1);
      expect(second.jobs.has(done.providerJobId ?? "")).toBe(true);
      expect(done.tunedModel).toBe(second.tunedName([...second.jobs.values()][0] as never));
      // one upload on the second machine, and nothing more asked of the first
      expect(second.requests.filter((r) => r.method === "POST" && r.path === "/v1/files")).toHaveLength(1);
      expect(first.requests.some((r) => r.path.endsWith("/cancel"))).toBe(false);
    } finally {
      first.holdRunning = false;
      await taking.close();
    }
  }, 60_000);
});
