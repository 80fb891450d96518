import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { closeWorkspace, getExperiment, openWorkspace, sampleKeys } from "@tunelab/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startCli } from "./run-cli.ts";

const EXAMPLES = fileURLToPath(new URL("../../../examples/ticket-routing/", import.meta.url));
const FAST_LEASE = { TUNELAB_LEASE_SECONDS: "2" };

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tunelab-durable-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function setUpProject(home: string, cwd: string) {
  const cli = (args: string[]) => runCli(args, { home, cwd, env: FAST_LEASE });
  expect(cli(["split", `${EXAMPLES}test.jsonl`, "-p", "tickets"]).code).toBe(0);
  expect(cli(["data", "import", `${EXAMPLES}train-v1.jsonl`, "-d", "train"]).code).toBe(0);
  expect(cli(["data", "import", `${EXAMPLES}train-v2.jsonl`, "-d", "train"]).code).toBe(0);
  expect(cli(["graders", "add", `${EXAMPLES}graders.json`]).code).toBe(0);
  return cli;
}

interface Experiment {
  id: string;
  status: string;
  evalRunId: string | null;
  tunedModel: string | null;
}

describe("tunelab serve as a hosted OpenAI-compatible provider, with a CLI writing to its database at the same time", () => {
  it("trains and evaluates through the generic provider path, and two processes share one database", async () => {
    const serverCwd = join(dir, "server");
    mkdirSync(serverCwd);
    const serverHome = join(serverCwd, ".tunelab");
    const server = startCli(["serve", "--port", "0"], { home: serverHome, cwd: serverCwd, env: FAST_LEASE });
    try {
      const port = Number((await server.waitFor(/serving on http:\/\/127\.0\.0\.1:(\d+)/))[1]);

      // a second tunelab, elsewhere, whose provider "remote" is the served engine: the hosted-provider code path
      const clientCwd = join(dir, "client");
      mkdirSync(clientCwd);
      writeFileSync(
        join(clientCwd, "tunelab.config.json"),
        JSON.stringify({ providers: { remote: { baseURL: `http://127.0.0.1:${port}/v1` } } }),
      );
      const client = setUpProject(join(clientCwd, ".tunelab"), clientCwd);
      const created = client(["exp", "create", "-d", "train@1", "-m", "local-tiny", "--epochs", "4", "--provider", "remote", "--json"]);
      expect(created.code, created.stderr).toBe(0);
      const experiment = created.json() as Experiment & { provider: string };
      expect(experiment).toMatchObject({ status: "completed", provider: "remote" });
      expect(experiment.tunedModel).toMatch(/^ft:local-tiny:tunelab:/);
      const models = (await (await fetch(`http://127.0.0.1:${port}/v1/models`)).json()) as { data: Array<{ id: string }> };
      expect(models.data.map((m) => m.id)).toContain(experiment.tunedModel);
      const evaluated = client(["eval", "--model", experiment.tunedModel ?? "", "--provider", "remote", "--format", "json"]);
      expect(evaluated.code, evaluated.stderr).toBe(0);

      // the server's own database: the API serves while a CLI process writes to it
      const server_cli = setUpProject(serverHome, serverCwd);
      const writer = startCli(["exp", "create", "-d", "train@2", "-m", "local-tiny", "--epochs", "3", "--json"], {
        home: serverHome,
        cwd: serverCwd,
        env: FAST_LEASE,
      });
      let reads = 0;
      while (writer.child.exitCode === null) {
        const response = await fetch(`http://127.0.0.1:${port}/api/projects/tickets/leaderboard`);
        expect(response.status).toBe(200);
        reads++;
      }
      expect(await writer.exited, writer.output().stderr).toBe(0);
      expect(reads).toBeGreaterThan(5);
      expect(`${writer.output().stderr}${server.output().stderr}`).not.toMatch(/database is locked|SQLITE_BUSY/);
      expect(server_cli(["leaderboard", "--json"]).code).toBe(0);
    } finally {
      server.child.kill("SIGTERM");
      await server.exited;
    }
  }, 180_000); // a served engine plus five CLI processes in turn: about 40 s on two idle cores, more on a busy machine
});

describe("a CLI process killed with SIGKILL", () => {
  it("during training and during evaluation: the next run resumes and every item is scored exactly once", async () => {
    const cwd = join(dir, "crash");
    mkdirSync(cwd);
    const home = join(cwd, ".tunelab");
    const cli = setUpProject(home, cwd);
    const id = (cli(["exp", "create", "-d", "train@2", "-m", "local-tiny", "--epochs", "30", "--no-run", "--json"]).json() as Experiment)
      .id;

    // watch the database directly (a second process reading while the CLI writes)
    const ws = await openWorkspace(home);
    const state = async () => {
      const experiment = await getExperiment(ws.db, id);
      const metrics = Number(
        (
          await ws.db
            .selectFrom("experiment_metrics")
            .select((eb) => eb.fn.countAll().as("n"))
            .where("experiment_id", "=", id)
            .executeTakeFirstOrThrow()
        ).n,
      );
      const samples = experiment.evalRunId ? (await sampleKeys(ws.db, experiment.evalRunId)).size : 0;
      return { status: experiment.status, metrics, samples };
    };
    try {
      // 1. kill while training (after some steps were recorded)
      let run = startCli(["exp", "run", id], { home, cwd, env: FAST_LEASE });
      for (;;) {
        const current = await state();
        if (current.status === "training" && current.metrics > 200) break;
        expect(current.status).not.toBe("completed");
        await new Promise((r) => setTimeout(r, 20));
      }
      run.child.kill("SIGKILL");
      await run.exited;
      expect((await state()).status).toBe("training");

      // 2. resume; kill again once evaluation has stored some, not all, samples
      run = startCli(["exp", "run", id], { home, cwd, env: FAST_LEASE });
      for (;;) {
        const current = await state();
        if (current.status === "evaluating" && current.samples > 0) break;
        expect(current.status).not.toBe("completed");
        await new Promise((r) => setTimeout(r, 10));
      }
      run.child.kill("SIGKILL");
      await run.exited;
      const partial = await state();
      expect(partial.status).toBe("evaluating");
      expect(partial.samples).toBeLessThan(100);
    } finally {
      await closeWorkspace(ws);
    }

    // 3. resume to the end
    const final = cli(["exp", "run", id, "--json"]);
    expect(final.code, final.stderr).toBe(0);
    const [done] = final.json() as Experiment[];
    expect(done?.status).toBe("completed");
    const board = cli(["leaderboard", "--json"]).json() as {
      rows: Array<{ experimentId: string; resultCounts: { total: number; passed: number; failed: number; errored: number } }>;
    };
    const counts = board.rows.find((r) => r.experimentId === id)?.resultCounts;
    expect(counts?.total).toBe(100);
    expect((counts?.passed ?? 0) + (counts?.failed ?? 0) + (counts?.errored ?? 0)).toBe(100);
    const metrics = (cli(["exp", "show", id, "--json"]).json() as { metrics: Array<{ step: number }> }).metrics;
    expect(new Set(metrics.map((m) => m.step)).size).toBe(metrics.length);
  }, 240_000); // three CLI processes train and score in turn: about 50 s on two idle cores, more on a busy machine
});
