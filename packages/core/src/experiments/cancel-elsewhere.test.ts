// An experiment cancelled by another process (an API server without a worker, on another machine): the process that
// runs it notices on its next heartbeat, stops following, and cancels the provider's job from where it runs. Each
// "machine" reaches its own replica of the provider here, as each worker reaches its own local engine: the cancelling
// process's own cancel call finds no such job, so only the running process can stop it. Without the heartbeat's check
// the job is held running and the run never ends (the test times out).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluationSetup } from "../grader-sets/evaluation-setup.ts";
import type { TunelabConfig } from "../providers/provider-config.ts";
import { Providers } from "../providers/providers.ts";
import { type FakeAzure, startFakeAzure } from "../test-support/fake-azure-openai.ts";
import { providerTestWorkspace } from "../test-support/provider-workspace.ts";
import type { tempWorkspace } from "../test-support/temp-workspace.ts";
import { createExperiment } from "./create-experiment.ts";
import { getExperiment } from "./experiment.repository.ts";
import { ExperimentRunner } from "./experiment-runner.ts";
import type { ExperimentServices } from "./run-experiment.ts";

const BASE = "gpt-4.1-nano-2025-04-14";
const fakes: FakeAzure[] = [];
let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let running: ExperimentServices;
let serving: ExperimentServices;

const configFor = (fake: FakeAzure): TunelabConfig => ({
  providers: { hosted: { kind: "openai", baseURL: fake.baseURL, apiKeyEnv: "CANCEL_REPLICA_KEY" } },
});

beforeAll(async () => {
  process.env.CANCEL_REPLICA_KEY = "sk-test";
  for (let i = 0; i < 2; i++) {
    fakes.push(await startFakeAzure({ flavour: "openai", apiKey: "sk-test", models: [BASE], deployments: {}, answer: () => "Yes" }));
  }
  ({ ws, services: running } = await providerTestWorkspace(configFor(fakes[0] as FakeAzure)));
  const providers = new Providers({ config: configFor(fakes[1] as FakeAzure) });
  serving = {
    client: (name) => providers.client(name),
    trainer: (name) => providers.trainer(name),
    evaluationSetup: (projectId) => evaluationSetup(ws, projectId),
    pollMs: 5,
  };
});
afterAll(async () => {
  for (const fake of fakes) await fake.close();
  await ws.dispose();
  delete process.env.CANCEL_REPLICA_KEY;
});

describe("an experiment cancelled by another process", () => {
  it("is stopped by the process running it, which cancels the provider's job", async () => {
    const worker = fakes[0] as FakeAzure;
    worker.holdRunning = true;
    const { experiment } = await createExperiment(ws, { project: "p", provider: "hosted", dataset: "train@1", model: BASE });
    const runner = new ExperimentRunner(ws, running, 1, 1);
    const server = new ExperimentRunner(ws, serving, 1, 1);
    try {
      const done = runner.run(experiment.id);
      let current = await getExperiment(ws.db, experiment.id);
      while (!current.providerJobId || worker.jobs.get(current.providerJobId)?.status !== "running") {
        await new Promise((r) => setTimeout(r, 20));
        current = await getExperiment(ws.db, experiment.id);
      }
      const jobId = current.providerJobId;

      expect((await server.cancel(experiment.id)).status).toBe("cancelled");
      // the serving process reached only its own replica, which has no such job
      expect(fakes[1]?.jobs.size).toBe(0);

      expect((await done).status).toBe("cancelled");
      expect(worker.jobs.get(jobId)?.status).toBe("cancelled");
      expect(worker.requests.filter((r) => r.method === "POST" && r.path.endsWith(`/${jobId}/cancel`))).toHaveLength(1);
    } finally {
      worker.holdRunning = false;
      await Promise.all([runner.close(), server.close()]);
    }
  }, 30_000);
});
