// Standalone eval runs hold a lease while a process executes them: two runners on one workspace (two processes, e.g.
// `tunelab serve` and a `tunelab worker`) never execute the same run, and a runner that stopped gives it back.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluationSetup } from "../grader-sets/evaluation-setup.ts";
import { seedScoredProject, testAnswer } from "../test-support/scored-project.ts";
import { tempWorkspace } from "../test-support/temp-workspace.ts";
import { runSamples } from "./eval-run.repository.ts";
import { EvalRunRunner } from "./standalone-runs.ts";

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let server: Server;
let client: OpenAI;
/** Completions wait until the test opens the gate, so a run stays in flight as long as the test needs. */
let openGate: () => void = () => {};
let gate = new Promise<void>((resolve) => {
  openGate = resolve;
});
let completions = 0;

beforeAll(async () => {
  // a loopback OpenAI chat-completions endpoint answering each question with its reference
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      completions++;
      const question = (JSON.parse(body) as { messages: Array<{ content: string }> }).messages.at(-1)?.content ?? "";
      void gate.then(() => {
        res.setHeader("content-type", "application/json");
        res.end(
          JSON.stringify({
            id: "c",
            object: "chat.completion",
            created: 0,
            model: "m",
            choices: [
              { index: 0, finish_reason: "stop", message: { role: "assistant", content: testAnswer(question.split(" ")[1] ?? "") } },
            ],
            usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
          }),
        );
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  client = new OpenAI({ apiKey: "k", baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, maxRetries: 0 });
  ws = await tempWorkspace();
  await seedScoredProject(ws, { project: "p", items: 6 });
  await seedScoredProject(ws, { project: "q", items: 6 });
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await ws.dispose();
});

const runner = () =>
  new EvalRunRunner(
    ws,
    { client: () => client, evaluationSetup: (projectId) => evaluationSetup(ws, projectId), evalConcurrency: 2 },
    { leaseSeconds: 30, resumeWhenStopped: true },
  );

describe("standalone eval runs and their leases", () => {
  it("run in one runner only; another runner leaves a held run alone and may take it once it is given back", async () => {
    const first = runner();
    const second = runner();
    const created = await first.create({ project: "p", model: "m" });
    const started = await first.start(created.id);
    expect(started).toBeDefined();
    // both of the first runner's requests are in flight (concurrency 2; none is answered while the gate is shut), so
    // any further completion would be the second runner's
    await expect.poll(() => completions, { timeout: 10_000 }).toBe(2);
    // held by the first runner: the second neither starts it nor sends a completion of its own
    const before = completions;
    expect(await second.start(created.id)).toBeUndefined();
    expect((await second.run(created.id)).status).toBe("running");
    expect(completions).toBe(before);
    // stopping the first runner gives the run back; the second finishes it, each item once
    await first.close();
    openGate();
    const done = await second.run(created.id);
    expect(done.status).toBe("completed");
    const samples = await runSamples(ws.db, created.id);
    expect(samples.map((s) => s.item_id).sort()).toEqual([...new Set(samples.map((s) => s.item_id))].sort());
    expect(samples).toHaveLength(6);
    await second.close();
    gate = Promise.resolve();
  });

  it("leaves a run another live process is scoring to it as soon as that process renews its lease, not after the lease", async () => {
    gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    const live = new EvalRunRunner(
      ws,
      { client: () => client, evaluationSetup: (projectId) => evaluationSetup(ws, projectId), evalConcurrency: 2 },
      { leaseSeconds: 60 },
    );
    const created = await live.create({ project: "q", model: "m" });
    expect(await live.start(created.id)).toBeDefined();
    // the same evaluation asked for again (another CI job): it waits to see whether the holder is alive...
    let settled: unknown = "waiting";
    let waited = false;
    void runner()
      .resumeSame({ project: "q", model: "m" }, { onWait: () => (waited = true) })
      .then((resumed) => {
        settled = resumed;
      });
    await expect.poll(() => waited).toBe(true);
    // ...and the holder renews its lease (as its heartbeat does): alive, so the run is left to it, long before the lease ends
    const expiry = await ws.db.selectFrom("eval_runs").select("lease_expires_at").where("id", "=", created.id).executeTakeFirstOrThrow();
    await ws.db
      .updateTable("eval_runs")
      .set({ lease_expires_at: Number(expiry.lease_expires_at) + 5 })
      .where("id", "=", created.id)
      .execute();
    await expect.poll(() => settled).toBeUndefined();
    openGate();
    await live.close();
  });

  it("stops scoring a run another process took over once this one's lease ran out (it stalled, or lost the database)", async () => {
    gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    completions = 0;
    const stalled = new EvalRunRunner(
      ws,
      { client: () => client, evaluationSetup: (projectId) => evaluationSetup(ws, projectId), evalConcurrency: 2 },
      { leaseSeconds: 1, resumeWhenStopped: true },
    );
    const created = await stalled.create({ project: "p", model: "m" });
    const started = await stalled.start(created.id);
    let settled = false;
    void started?.done.then(() => {
      settled = true;
    });
    await expect.poll(() => completions, { timeout: 10_000 }).toBe(2);
    // while its requests hang, its lease runs out and another process claims the run (one statement, as claim does)
    await ws.db
      .updateTable("eval_runs")
      .set({ lease_owner: "another-process", lease_expires_at: 4_000_000_000 })
      .where("id", "=", created.id)
      .execute();
    // its next heartbeat finds the lease gone: it stops, leaving the run unfinished and the other process's lease as it was
    await expect.poll(() => settled).toBe(true);
    const row = await ws.db
      .selectFrom("eval_runs")
      .select(["status", "lease_owner"])
      .where("id", "=", created.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: "running", lease_owner: "another-process" });
    openGate();
    // the run is the other process's to finish: here a runner that takes it once that process gives it back
    await ws.db.updateTable("eval_runs").set({ lease_owner: null, lease_expires_at: null }).where("id", "=", created.id).execute();
    const other = runner();
    expect((await other.run(created.id)).status).toBe("completed");
    const samples = await runSamples(ws.db, created.id);
    expect(new Set(samples.map((s) => s.item_id)).size).toBe(6);
    expect(samples).toHaveLength(6);
    await Promise.all([stalled.close(), other.close()]);
  });
});
