// `tunelab serve`'s responsiveness while large files are validated: a real server on loopback (the API with the
// engine at /v1), a 100k-line fine-tuning job created through /v1 (upload + POST /v1/fine_tuning/jobs) and a
// 100k-line dataset import through /api at the same time (sent by another process), while this process polls
// GET /api/projects.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { createServices, listenApi } from "@tunelab/api";
import { closeWorkspace, openWorkspace, runningWorkerTasks, setTestSplit } from "@tunelab/core";
import { createEngine } from "@tunelab/engine";
import { runChild } from "./child.ts";
import { ticketLine, writeTicketFile } from "./import-data.ts";
import type { ClientResult } from "./responsiveness-client.ts";

export type { Answer } from "./responsiveness-client.ts";

export interface Poll {
  /** Round trip of one GET /api/projects, ms. */
  ms: number;
  status: number;
  /** Whether a dataset worker was still validating when the answer arrived. */
  whileValidating: boolean;
}

export interface ResponsivenessResult extends ClientResult {
  lines: number;
  polls: Poll[];
}

const CLIENT = fileURLToPath(new URL("./responsiveness-client.ts", import.meta.url));

/** Runs the scenario on a fresh workspace; polls one after another with `pollGapMs` between them. */
export async function measureResponsiveness(lines: number, options: { pollGapMs?: number } = {}): Promise<ResponsivenessResult> {
  const home = mkdtempSync(join(tmpdir(), "tunelab-responsive-"));
  const ws = await openWorkspace(home);
  const engine = await createEngine({ root: join(home, "engine"), runJobs: false });
  const services = createServices({ ws, engine, config: { providers: {} } });
  const server = await listenApi({ services, port: 0 });
  try {
    const test = Array.from({ length: 200 }, (_, i) => ticketLine(10_000_000 + i, { system: false }));
    await setTestSplit(ws, { project: "bench", text: `${test.join("\n")}\n`, fileName: "test.jsonl" });
    const trainFile = join(home, "train.jsonl");
    const jobFile = join(home, "job.jsonl");
    writeTicketFile(trainFile, lines, { system: false });
    writeTicketFile(jobFile, lines, { system: false, from: lines });

    let done = false;
    const polls: Poll[] = [];
    const polling = (async () => {
      while (!done) {
        const started = performance.now();
        const response = await fetch(`${server.url}/api/projects`);
        await response.arrayBuffer();
        polls.push({ ms: performance.now() - started, status: response.status, whileValidating: runningWorkerTasks() > 0 });
        await sleep(options.pollGapMs ?? 10);
      }
    })();
    const client = await runChild<ClientResult>(CLIENT, [server.url, jobFile, trainFile]).finally(() => {
      done = true;
    });
    await polling;
    if (!client.result) throw new Error(`the client printed no result: ${client.lines.join("\n")}`);
    return { lines, polls, ...client.result };
  } finally {
    await server.close();
    await services.close();
    await engine.close();
    await closeWorkspace(ws);
    rmSync(home, { recursive: true, force: true });
  }
}
