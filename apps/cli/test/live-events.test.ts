// Events cross processes: a real `tunelab serve` and, beside it, real CLI processes on the same workspace (data
// import, an experiment, a standalone eval). A client of serve's SSE stream sees their events live, each once, and a
// client that reconnects with Last-Event-ID gets what it missed; what it received is exactly what the log holds.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { closeWorkspace, eventsAfter, type LoggedEvent, openWorkspace, type WorkspaceEvent } from "@tunelab/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// the API tests' SSE reader (parses frames as a browser's EventSource does)
import { readSse, type SseFrame } from "../../../packages/api/test/sse-client.ts";
import { runCli, startCli } from "./run-cli.ts";

const EXAMPLES = fileURLToPath(new URL("../../../examples/ticket-routing/", import.meta.url));

let dir: string;
let home: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tunelab-live-"));
  home = join(dir, ".tunelab");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[]) => runCli(args, { home, cwd: dir });
const parsed = (frames: SseFrame[]) =>
  frames.filter((f) => f.id !== undefined).map((f) => ({ id: Number(f.id), name: f.event, event: JSON.parse(f.data) as WorkspaceEvent }));
const ofExperiment = (id: string) => (e: { event: WorkspaceEvent }) => "experimentId" in e.event && e.event.experimentId === id;

/** Every event the workspace's log holds, read from the database itself. */
async function logged(): Promise<LoggedEvent[]> {
  const ws = await openWorkspace(home);
  try {
    return (await eventsAfter(ws.db, 0, 1_000_000)).events;
  } finally {
    await closeWorkspace(ws);
  }
}

describe("serve streams what CLI processes on the same workspace do", () => {
  it("an experiment run by `tunelab exp run` and an eval by `tunelab eval` reach serve's SSE clients live, each event once", async () => {
    const server = startCli(["serve", "--port", "0"], { home, cwd: dir });
    try {
      const [, url] = await server.waitFor(/serving on (http:\/\/127\.0\.0\.1:\d+)/);
      const first = readSse((await fetch(`${url}/api/events`)).body as ReadableStream<Uint8Array>);
      await first.until((f) => f.some((x) => x.event === "ready"), 60_000, "ready");

      // data written by CLI processes: the dataset versions show up as events
      expect(cli(["split", `${EXAMPLES}test.jsonl`, "-p", "tickets"]).code).toBe(0);
      const imported = cli(["data", "import", `${EXAMPLES}train-v1.jsonl`, "-d", "train"]);
      expect(imported.code, imported.stderr).toBe(0);
      expect(cli(["graders", "add", `${EXAMPLES}graders.json`]).code).toBe(0);
      await first.until((f) => f.filter((x) => x.event === "dataset-version").length >= 2, 60_000, "two dataset versions");
      expect(first.events("dataset-version").map((e) => e.ref)).toEqual(["test@1", "train@1"]);

      const created = cli(["exp", "create", "-d", "train@1", "-m", "local-tiny", "--epochs", "4", "--no-run", "--json"]);
      expect(created.code, created.stderr).toBe(0);
      const id = (created.json() as { id: string }).id;

      // the experiment runs in a separate CLI process; serve only watches
      const run = startCli(["exp", "run", id], { home, cwd: dir });
      await first.until((f) => parsed(f).some((e) => ofExperiment(id)(e) && e.event.type === "metrics"), 120_000, "training metrics");
      // live: training progress arrived while the CLI was still working
      expect(run.child.exitCode).toBeNull();
      const seenFirst = parsed(first.frames);
      const lastSeen = seenFirst.at(-1)?.id ?? 0;
      await first.close();

      // the page reconnects (as EventSource does, with the last id it saw) and catches up, then follows to the end
      const second = readSse(
        (await fetch(`${url}/api/events`, { headers: { "last-event-id": String(lastSeen) } })).body as ReadableStream<Uint8Array>,
      );
      await second.until(
        (f) => parsed(f).some((e) => e.event.type === "status" && e.event.experimentId === id && e.event.status === "completed"),
        240_000,
        "completed",
      );
      expect(await run.exited, run.output().stderr).toBe(0);

      const mine = [...seenFirst, ...parsed(second.frames)].filter(ofExperiment(id));
      // each once: ids unique and increasing across the two connections, and exactly the events the log holds
      const ids = mine.map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(ids).toEqual((await logged()).filter(ofExperiment(id)).map((e) => e.id));

      const statuses = mine.flatMap((e) => (e.event.type === "status" ? [e.event.status] : []));
      expect(statuses).toEqual(expect.arrayContaining(["training", "evaluating", "completed"]));
      expect(statuses.at(-1)).toBe("completed");
      expect(mine.filter((e) => e.event.type === "status").every((e) => e.name === "experiment")).toBe(true);
      const steps = mine.flatMap((e) => (e.event.type === "metrics" ? [e.event.step] : []));
      expect(steps.length).toBeGreaterThan(1);
      expect(new Set(steps).size).toBe(steps.length);
      const evals = mine.flatMap((e) => (e.event.type === "eval" ? [e.event.progress] : []));
      expect(evals.at(-1)).toMatchObject({ done: evals.at(-1)?.total });

      // a standalone regression eval in another CLI process: its progress and final status
      const tuned = (cli(["exp", "show", id, "--json"]).json() as { tunedModel: string }).tunedModel;
      expect(tuned).toMatch(/^ft:local-tiny:/);
      const evaluated = startCli(["eval", "--model", tuned, "--format", "json"], { home, cwd: dir });
      await second.until((f) => parsed(f).some((e) => e.event.type === "eval-status"), 240_000, "eval-status");
      expect(await evaluated.exited, evaluated.output().stderr).toBe(0);
      const standalone = parsed(second.frames).filter((e) => e.event.type === "eval" && !("experimentId" in e.event));
      expect(standalone.length).toBeGreaterThan(1);
      const runId = standalone[0]?.event.type === "eval" ? standalone[0].event.runId : "";
      expect(second.events("eval-status")).toEqual([{ type: "eval-status", runId, status: "completed" }]);
      await second.close();
    } finally {
      server.child.kill("SIGTERM");
      await server.exited;
    }
  }, 420_000); // serve plus seven CLI processes, one training and two evals: about a minute on idle cores, more when busy
});
