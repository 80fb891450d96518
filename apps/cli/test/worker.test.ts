// Work distribution on one SQLite workspace: a `tunelab serve --no-worker` only stores what its API is asked to run;
// two `tunelab worker` processes claim the experiments, one is killed with SIGKILL while it trains, and the other
// takes its experiment over once the lease runs out. Every experiment completes exactly once (one fine-tuning job and
// one tuned model each, no duplicated metrics or samples), and serve's SSE stream shows the workers' progress. Then a
// standalone eval run requested from serve: its worker is killed mid-run too, and another finishes it, each sample once.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { closeWorkspace, getExperiment, openWorkspace, type WorkspaceEvent } from "@tunelab/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSse } from "../../../packages/api/test/sse-client.ts";
import { runCli, startCli } from "./run-cli.ts";
import { expectCompletedOnce, metricsCount, workerLines } from "./worker-checks.ts";

const EXAMPLES = fileURLToPath(new URL("../../../examples/ticket-routing/", import.meta.url));
const FAST_LEASE = { TUNELAB_LEASE_SECONDS: "2" };
const FINISHED = ["completed", "failed", "cancelled"];

let dir: string;
let home: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tunelab-worker-"));
  home = join(dir, ".tunelab");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[]) => runCli(args, { home, cwd: dir, env: FAST_LEASE });
const start = (args: string[]) => startCli(args, { home, cwd: dir, env: FAST_LEASE });
const lines = workerLines;
const count = async (query: Promise<{ n: unknown }>) => Number((await query).n);

describe("tunelab worker beside tunelab serve --no-worker", () => {
  it("workers run a sweep stored by serve; a worker killed mid-training is taken over; each experiment completes once", async () => {
    expect(cli(["split", `${EXAMPLES}test.jsonl`, "-p", "tickets"]).code).toBe(0);
    expect(cli(["data", "import", `${EXAMPLES}train-v1.jsonl`, "-d", "train"]).code).toBe(0);
    expect(cli(["graders", "add", `${EXAMPLES}graders.json`]).code).toBe(0);

    const server = start(["serve", "--port", "0", "--no-worker"]);
    const workers: Array<ReturnType<typeof start>> = [];
    const ws = await openWorkspace(home);
    try {
      const [, url] = await server.waitFor(/serving on (http:\/\/127\.0\.0\.1:\d+)/);
      await server.waitFor(/--no-worker/);
      const sse = readSse((await fetch(`${url}/api/events`)).body as ReadableStream<Uint8Array>);
      await sse.until((f) => f.some((x) => x.event === "ready"), 60_000, "ready");

      const response = await fetch(`${url}/api/projects/tickets/sweeps`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ datasets: ["train@1"], model: "local-tiny", n_epochs: [8, 9, 10, 11] }),
      });
      expect(response.status).toBe(201);
      const ids = ((await response.json()) as { data: Array<{ experiment: { id: string; status: string } }> }).data.map(
        (r) => r.experiment.id,
      );
      expect(ids).toHaveLength(4);
      // asking serve to run one stores the request and nothing more: there is no local worker
      expect((await fetch(`${url}/api/experiments/${ids[0]}/run`, { method: "POST" })).status).toBe(202);

      const a = start(["worker", "--concurrency", "1", "--json"]);
      workers.push(a);
      await a.waitFor(/"event":"started"/);
      const [, victim] = await a.waitFor(/"event":"claimed","experimentId":"([a-z]+_[a-z0-9]+)"/);
      const b = start(["worker", "--concurrency", "2", "--kinds", "train", "--json"]);
      workers.push(b);
      await b.waitFor(/"event":"started"/);

      // kill worker a while it trains its experiment (some steps recorded, training not finished)
      const metricsOf = (id: string) => metricsCount(ws, id);
      for (;;) {
        const experiment = await getExperiment(ws.db, victim as string);
        expect(FINISHED, `${experiment.status}: ${experiment.error}\n${a.output().stdout}${a.output().stderr}`).not.toContain(
          experiment.status,
        );
        if (experiment.status === "training" && (await metricsOf(experiment.id)) >= 3) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      a.child.kill("SIGKILL");
      await a.exited;
      expect((await getExperiment(ws.db, victim as string)).status).toBe("training");

      // worker b finishes everything, the killed worker's experiment included (once its lease ran out)
      for (;;) {
        const statuses = await Promise.all(ids.map(async (id) => (await getExperiment(ws.db, id)).status));
        if (statuses.every((s) => FINISHED.includes(s))) break;
        if (b.child.exitCode !== null) throw new Error(`worker b exited: ${b.output().stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      await sse.until(
        (f) => ids.every((id) => f.some((x) => x.event === "experiment" && x.data.includes(id) && x.data.includes('"completed"'))),
        60_000,
        "every experiment's completion on serve's stream",
      );

      // every experiment was run by a worker (serve ran none): each was claimed, b took over the victim
      const claimedBy = (w: typeof a) => lines(w.output().stdout).flatMap((l) => (l.event === "claimed" ? [l.experimentId] : []));
      expect(new Set([...claimedBy(a), ...claimedBy(b)])).toEqual(new Set(ids));
      expect(claimedBy(a)).toEqual([victim]);
      expect(claimedBy(b)).toContain(victim);

      const jobs = (await (await fetch(`${url}/v1/fine_tuning/jobs?limit=100`)).json()) as {
        data: Array<{ id: string; status: string; fine_tuned_model: string | null }>;
      };
      const tuned = new Set<string>();
      for (const id of ids) {
        // one eval run, each step's metrics once, each test item scored once
        const experiment = await expectCompletedOnce(ws, id, 100);
        tuned.add(experiment.tunedModel as string);
        // one fine-tuning job
        expect(jobs.data.filter((j) => j.id === experiment.providerJobId)).toMatchObject([{ status: "succeeded" }]);
      }
      expect(tuned.size).toBe(ids.length);
      expect(jobs.data).toHaveLength(ids.length);

      // serve's stream showed the workers' progress live: training metrics and eval progress of every experiment
      const events = sse.frames.filter((f) => f.id !== undefined).map((f) => JSON.parse(f.data) as WorkspaceEvent);
      for (const id of ids) {
        const mine = events.filter((e) => "experimentId" in e && e.experimentId === id);
        expect(mine.some((e) => e.type === "metrics")).toBe(true);
        expect(mine.some((e) => e.type === "eval")).toBe(true);
      }

      // a standalone eval run requested from serve: a worker for evals claims it and is killed mid-run; another takes
      // it over and every (item, trial) is scored exactly once
      const created = await fetch(`${url}/api/projects/tickets/eval-runs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: [...tuned][0], trials: 3 }),
      });
      expect(created.status).toBe(201);
      const runId = ((await created.json()) as { id: string }).id;
      const c = start(["worker", "--kinds", "eval", "--concurrency", "1", "--json"]);
      workers.push(c);
      await c.waitFor(new RegExp(`"event":"claimed","runId":"${runId}"`));
      const samplesOf = async () =>
        count(
          ws.db
            .selectFrom("eval_samples")
            .select((eb) => eb.fn.countAll().as("n"))
            .where("run_id", "=", runId)
            .executeTakeFirstOrThrow(),
        );
      while ((await samplesOf()) === 0) await new Promise((r) => setTimeout(r, 10));
      c.child.kill("SIGKILL");
      await c.exited;
      expect(await samplesOf()).toBeLessThan(300);
      const d = start(["worker", "--json"]);
      workers.push(d);
      await sse.until((f) => f.some((x) => x.event === "eval-status" && x.data.includes(runId)), 240_000, "the eval run's end");
      expect(sse.events("eval-status").filter((e) => e.runId === runId)).toEqual([{ type: "eval-status", runId, status: "completed" }]);
      const scored = await ws.db.selectFrom("eval_samples").select(["item_id", "trial"]).where("run_id", "=", runId).execute();
      expect(scored).toHaveLength(300);
      expect(new Set(scored.map((s) => `${s.item_id}/${s.trial}`)).size).toBe(300);
      const runClaims = (w: typeof a) => lines(w.output().stdout).flatMap((l) => ("runId" in l && l.event === "claimed" ? [l.runId] : []));
      expect(runClaims(d)).toEqual([runId]);
      expect(runClaims(b)).toEqual([]);
      for (const w of [b, d]) {
        w.child.kill("SIGTERM");
        expect(await w.exited, w.output().stderr).toBe(0);
        expect(lines(w.output().stdout).at(-1)).toEqual(expect.objectContaining({ event: "stopped" }));
      }
      await sse.close();
      expect(server.child.exitCode).toBeNull();
    } finally {
      await closeWorkspace(ws);
      for (const w of workers) if (w.child.exitCode === null) w.child.kill("SIGKILL");
      server.child.kill("SIGTERM");
      await server.exited;
    }
  }, 420_000); // serve, two workers and four small trainings on two shared cores: a minute or two, more when busy
});
