// Team mode on a real PostgreSQL: one `tunelab serve --no-worker` and two `tunelab worker` processes, each in its own
// working directory and tunelab home (as on three machines: each worker trains on its own embedded engine), sharing
// only the database URL and a blob directory. A sweep stored through serve's API is run by the workers; one worker is
// killed with SIGKILL mid-training, after publishing a checkpoint, and the other takes its experiment over (the first
// machine's job is unknown to its engine: it continues from that checkpoint). Every experiment completes exactly once,
// with each test item scored once, and serve's SSE stream showed the workers' progress live. Serve then answers chat
// completions with a tuned model a worker trained, fetched from the shared blob store where the worker published it.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { closeWorkspace, getExperiment, openWorkspace, type WorkspaceEvent } from "@tunelab/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSse } from "../../../packages/api/test/sse-client.ts";
import { findPostgresBin, startTestPostgres, type TestPostgres } from "../../../scripts/postgres-test-server.ts";
import { runCli, startCli } from "./run-cli.ts";
import { expectCompletedOnce, workerLines } from "./worker-checks.ts";

const EXAMPLES = fileURLToPath(new URL("../../../examples/ticket-routing/", import.meta.url));
const FINISHED = ["completed", "failed", "cancelled"];
const bin = findPostgresBin();
const available = bin !== undefined || process.env.CI === "true";
if (!available) console.log("team-postgres test skipped: no PostgreSQL on this machine (install Debian's postgresql package)");

let dir: string;
let postgres: TestPostgres | undefined;
let env: Record<string, string>;
const homeOf = (machine: string) => join(dir, machine, ".tunelab");

beforeAll(async () => {
  if (!available) return;
  if (bin === undefined) throw new Error("CI needs PostgreSQL: .ci/run installs Debian's postgresql package");
  dir = mkdtempSync(join(tmpdir(), "tunelab-team-"));
  for (const machine of ["serve", "a", "b"]) mkdirSync(join(dir, machine), { recursive: true });
  postgres = await startTestPostgres(bin);
  env = {
    TUNELAB_DATABASE_URL: postgres.url,
    TUNELAB_BLOB_DIR: join(dir, "shared-blobs"),
    TUNELAB_LEASE_SECONDS: "2",
    TUNELAB_CHECKPOINT_STEPS: "10",
  };
}, 120_000);
afterAll(() => {
  postgres?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const cli = (machine: string, args: string[]) => runCli(args, { home: homeOf(machine), cwd: join(dir, machine), env });
const start = (machine: string, args: string[]) => startCli(args, { home: homeOf(machine), cwd: join(dir, machine), env });
const lines = workerLines;

describe.skipIf(!available)("team mode: PostgreSQL, serve --no-worker, workers on separate machines", () => {
  it("runs a sweep across two workers, one killed mid-training; each experiment completes once, live on serve's stream", async () => {
    const setup = [
      cli("serve", ["split", `${EXAMPLES}test.jsonl`, "-p", "tickets"]),
      cli("serve", ["data", "import", `${EXAMPLES}train-v1.jsonl`, "-d", "train"]),
      cli("serve", ["graders", "add", `${EXAMPLES}graders.json`]),
    ];
    for (const step of setup) expect(step.code, step.stderr).toBe(0);

    const server = start("serve", ["serve", "--port", "0", "--no-worker"]);
    const workers: Array<ReturnType<typeof start>> = [];
    const ws = await openWorkspace(homeOf("serve"), postgres?.url);
    try {
      const [, url] = await server.waitFor(/serving on (http:\/\/127\.0\.0\.1:\d+)/);
      const sse = readSse((await fetch(`${url}/api/events`)).body as ReadableStream<Uint8Array>);
      await sse.until((f) => f.some((x) => x.event === "ready"), 60_000, "ready");

      const response = await fetch(`${url}/api/projects/tickets/sweeps`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ datasets: ["train@1"], model: "local-tiny", n_epochs: [8, 9, 10] }),
      });
      expect(response.status).toBe(201);
      const ids = ((await response.json()) as { data: Array<{ experiment: { id: string } }> }).data.map((r) => r.experiment.id);
      expect(ids).toHaveLength(3);

      const a = start("a", ["worker", "--concurrency", "1", "--json"]);
      workers.push(a);
      const [, victim] = await a.waitFor(/"event":"claimed","experimentId":"([a-z]+_[a-z0-9]+)"/);
      const b = start("b", ["worker", "--concurrency", "2", "--kinds", "train", "--json"]);
      workers.push(b);
      await b.waitFor(/"event":"started"/);

      // kill worker a while it trains, once it has published a checkpoint (training not finished)
      const published = async (id: string) =>
        (await ws.db.selectFrom("experiments").select("checkpoint_blob").where("id", "=", id).executeTakeFirstOrThrow()).checkpoint_blob;
      for (;;) {
        const experiment = await getExperiment(ws.db, victim as string);
        expect(FINISHED, `${experiment.status}: ${experiment.error}\n${a.output().stderr}`).not.toContain(experiment.status);
        if (experiment.status === "training" && (await published(experiment.id))) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      a.child.kill("SIGKILL");
      await a.exited;

      for (;;) {
        const statuses = await Promise.all(ids.map(async (id) => (await getExperiment(ws.db, id)).status));
        if (statuses.every((s) => FINISHED.includes(s))) break;
        if (b.child.exitCode !== null) throw new Error(`worker b exited: ${b.output().stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }

      const claimedBy = (w: typeof a) => lines(w.output().stdout).flatMap((l) => (l.event === "claimed" ? [l.experimentId] : []));
      expect(claimedBy(a)).toEqual([victim]);
      expect(new Set(claimedBy(b))).toEqual(new Set(ids));
      for (const id of ids) await expectCompletedOnce(ws, id, 100);

      // serve's stream showed every experiment's training metrics, eval progress and completion, all from the workers
      await sse.until(
        (f) => ids.every((id) => f.some((x) => x.event === "experiment" && x.data.includes(id) && x.data.includes('"completed"'))),
        60_000,
        "every experiment's completion on serve's stream",
      );
      const events = sse.frames.filter((f) => f.id !== undefined).map((f) => JSON.parse(f.data) as WorkspaceEvent);
      for (const id of ids) {
        const mine = events.filter((e) => "experimentId" in e && e.experimentId === id);
        expect(mine.some((e) => e.type === "metrics")).toBe(true);
        expect(mine.some((e) => e.type === "eval")).toBe(true);
      }
      // the victim's takeover said why it trained again, and continued from the checkpoint worker a published
      const victims = events.filter((e) => "experimentId" in e && e.experimentId === victim).map((e) => JSON.stringify(e));
      expect(victims.some((e) => e.includes("another machine's engine"))).toBe(true);
      expect(victims.some((e) => /continuing from ft:local-tiny:[^"]*:ckpt-step-\d+/.test(e))).toBe(true);
      await sse.close();

      // serve never trained: its engine fetches a worker's tuned model from the shared blob store and answers with it
      const trained = await getExperiment(ws.db, ids[0] as string);
      const chat = await fetch(`${url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          model: trained.tunedModel,
          messages: [{ role: "user", content: "I was charged twice this month" }],
          temperature: 0,
          max_tokens: 24,
        }),
      });
      expect(chat.status, await chat.clone().text()).toBe(200);
      const answer = (await chat.json()) as { model: string; choices: Array<{ message: { content: string } }> };
      expect(answer.model).toBe(trained.tunedModel);
      expect(answer.choices[0]?.message.content.length).toBeGreaterThan(0);

      b.child.kill("SIGTERM");
      expect(await b.exited, b.output().stderr).toBe(0);
      expect(server.child.exitCode).toBeNull();
    } finally {
      await closeWorkspace(ws);
      for (const w of workers) if (w.child.exitCode === null) w.child.kill("SIGKILL");
      server.child.kill("SIGTERM");
      await server.exited;
    }
  }, 480_000);
});
