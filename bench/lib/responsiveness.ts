// `tunelab serve`'s responsiveness while large files are validated: a real server on loopback (the API with the
// engine at /v1), a 100k-line fine-tuning job created through /v1 (upload + POST /v1/fine_tuning/jobs) and a
// 100k-line dataset import through /api at the same time, while GET /api/projects is polled.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createServices, listenApi } from "@tunelab/api";
import { closeWorkspace, openWorkspace, runningDatasetWorkers, setTestSplit } from "@tunelab/core";
import { createEngine } from "@tunelab/engine";
import { ticketLine, writeTicketFile } from "./import-data.ts";

export interface Poll {
  /** Round trip of one GET /api/projects, ms. */
  ms: number;
  status: number;
  /** Whether a dataset worker was still validating when the answer arrived. */
  whileValidating: boolean;
}

export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: the routes' JSON, read by the caller
  body: any;
  ms: number;
}

export interface ResponsivenessResult {
  lines: number;
  polls: Poll[];
  /** POST /v1/fine_tuning/jobs on the uploaded file (the upload's answer is checked inside). */
  job: Answer;
  /** POST /api/projects/bench/datasets/train/versions. */
  imported: Answer;
}

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
        polls.push({ ms: performance.now() - started, status: response.status, whileValidating: runningDatasetWorkers() > 0 });
        await sleep(options.pollGapMs ?? 10);
      }
    })();
    const [job, imported] = await Promise.all([
      timed(async () => {
        const form = new FormData();
        form.append("purpose", "fine-tune");
        form.append("file", new Blob([readFileSync(jobFile)]), "job.jsonl");
        const upload = await fetch(`${server.url}/v1/files`, { method: "POST", body: form });
        const file = (await upload.json()) as { id?: string };
        if (!upload.ok || !file.id) throw new Error(`upload failed: ${upload.status} ${JSON.stringify(file)}`);
        return fetch(`${server.url}/v1/fine_tuning/jobs`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ model: "local-tiny", training_file: file.id }),
        });
      }),
      timed(() =>
        fetch(`${server.url}/api/projects/bench/datasets/train/versions?filename=train.jsonl`, {
          method: "POST",
          headers: { "content-type": "application/x-ndjson" },
          body: readFileSync(trainFile),
        }),
      ),
    ]);
    done = true;
    await polling;
    return { lines, polls, job, imported };
  } finally {
    await server.close();
    await services.close();
    await engine.close();
    await closeWorkspace(ws);
    rmSync(home, { recursive: true, force: true });
  }
}

async function timed(request: () => Promise<Response>): Promise<Answer> {
  const started = performance.now();
  const response = await request();
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: response.status, body, ms: performance.now() - started };
}
