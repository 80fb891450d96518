// A process that stops while an experiment is being scored (Ctrl-C on `tunelab exp run`, SIGTERM to a worker) leaves
// the experiment's eval run unfinished, so the next `exp run` resumes it. Closing the runner used to abort the run as
// a cancel: the run was stored `cancelled`, the experiment stayed `evaluating` for good, and `exp run` did nothing.
// The provider is a loopback server in OpenAI's chat-completions shape that holds its answers until the test opens
// its gate, so the stop lands while requests are in flight.
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getEvalRun, runSamples, updateEvalRun } from "../eval-runs/eval-run.repository.ts";
import { providerTestWorkspace } from "../test-support/provider-workspace.ts";
import type { tempWorkspace } from "../test-support/temp-workspace.ts";
import { createExperiment } from "./create-experiment.ts";
import { getExperiment, updateExperiment } from "./experiment.repository.ts";
import { ExperimentRunner } from "./experiment-runner.ts";
import type { ExperimentServices } from "./run-experiment.ts";

const MODEL = "gpt-4.1-nano-2025-04-14";
const TRIALS = 3;
let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let services: ExperimentServices;
let server: Server;
let requests = 0;
let open = false;
const held: Array<() => void> = [];

/** Answers the two test items right ("Yes" to the sky, "No" to water) once the gate is open. */
function startGatedProvider(): Promise<string> {
  server = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    requests++;
    if (!open) await new Promise<void>((resolve) => held.push(resolve));
    if (res.destroyed) return;
    const messages = (JSON.parse(body) as { messages: Array<{ content: string }> }).messages;
    const content = messages.at(-1)?.content.includes("sky") ? "Yes" : "No";
    res.setHeader("content-type", "application/json");
    res.end(
      JSON.stringify({
        id: `chatcmpl-${requests}`,
        object: "chat.completion",
        created: 0,
        model: MODEL,
        choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
        usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
      }),
    );
  });
  server.listen(0, "127.0.0.1");
  return once(server, "listening").then(() => `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`);
}

beforeAll(async () => {
  process.env.STOP_SCORING_KEY = "sk-test";
  const baseURL = await startGatedProvider();
  ({ ws, services } = await providerTestWorkspace({
    providers: { hosted: { kind: "openai", baseURL, apiKeyEnv: "STOP_SCORING_KEY" } },
  }));
});
afterAll(async () => {
  open = true;
  for (const release of held.splice(0)) release();
  server.closeAllConnections();
  server.close();
  await ws.dispose();
  delete process.env.STOP_SCORING_KEY;
});

describe("a process stopping while an experiment is scored", () => {
  it("leaves the run unfinished, and the next run resumes it to the end with every sample stored once", async () => {
    const { experiment } = await createExperiment(ws, {
      project: "p",
      provider: "hosted",
      model: MODEL,
      method: "none",
      evaluation: { trials: TRIALS },
    });
    const stopping = new ExperimentRunner(ws, services, 1, 1);
    const first = stopping.run(experiment.id);
    while (requests === 0) await new Promise((r) => setTimeout(r, 10));
    await stopping.close();
    await first;

    const stopped = await getExperiment(ws.db, experiment.id);
    expect(stopped.status).toBe("evaluating");
    expect(stopped.evalRunId).toBeTruthy();
    const run = await getEvalRun(ws.db, stopped.evalRunId as string);
    expect(run.status).not.toBe("cancelled");
    expect(run.finishedAt).toBeNull();
    // requests in flight when it stopped are not stored (neither as answers nor as errors)
    expect(await runSamples(ws.db, run.id)).toHaveLength(0);

    open = true;
    for (const release of held.splice(0)) release();
    const resuming = new ExperimentRunner(ws, services, 1, 1);
    try {
      const done = await resuming.run(experiment.id);
      expect(done.status).toBe("completed");
    } finally {
      await resuming.close();
    }
    const finished = await getEvalRun(ws.db, stopped.evalRunId as string);
    expect(finished.status).toBe("completed");
    const samples = await runSamples(ws.db, finished.id);
    expect(samples).toHaveLength(2 * TRIALS);
    expect(new Set(samples.map((s) => `${s.item_id}:${s.trial}`)).size).toBe(2 * TRIALS);
    expect(finished.primary.score).toBe(1);
  }, 30_000);
});

describe("an experiment left evaluating with a cancelled run (stopped by an earlier version)", () => {
  it("resumes its run to the end; a cancelled experiment's run stays cancelled", async () => {
    open = false;
    const before = requests;
    const { experiment } = await createExperiment(ws, { project: "p", provider: "hosted", model: MODEL, method: "none", name: "legacy" });
    const first = new ExperimentRunner(ws, services, 1, 1);
    const started = first.run(experiment.id);
    while (requests === before) await new Promise((r) => setTimeout(r, 10));
    await first.close();
    await started;
    open = true;
    for (const release of held.splice(0)) release();
    // what earlier versions stored when stopped while scoring
    const stuck = await getExperiment(ws.db, experiment.id);
    expect(stuck.evalRunId).toBeTruthy();
    await updateEvalRun(ws.db, stuck.evalRunId as string, { status: "cancelled", finished_at: new Date().toISOString() });
    await updateExperiment(ws.db, experiment.id, { status: "evaluating" });

    const runner = new ExperimentRunner(ws, services, 1, 1);
    try {
      expect((await runner.run(experiment.id)).status).toBe("completed");
    } finally {
      await runner.close();
    }

    // a cancelled experiment's run is not revived: the same state, but the experiment was cancelled
    const { experiment: other } = await createExperiment(ws, {
      project: "p",
      provider: "hosted",
      model: MODEL,
      method: "none",
      name: "cancelled",
    });
    const again = new ExperimentRunner(ws, services, 1, 1);
    try {
      await again.run(other.id);
      const done = await getExperiment(ws.db, other.id);
      if (done.evalRunId) await updateEvalRun(ws.db, done.evalRunId, { status: "cancelled" });
      await updateExperiment(ws.db, other.id, { status: "cancelled" });
      await again.run(other.id).catch(() => undefined);
      expect((await getExperiment(ws.db, other.id)).status).toBe("cancelled");
      if (done.evalRunId) expect((await getEvalRun(ws.db, done.evalRunId)).status).toBe("cancelled");
    } finally {
      await again.close();
    }
  }, 30_000);
});
