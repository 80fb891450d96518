import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import OpenAI, { toFile } from "openai";
import { afterAll, describe, expect, it } from "vitest";
import { createEngine } from "../src/index.ts";
import { clientFor, numberedWords, trainingJsonl, waitForJob } from "./engine-client.ts";

const CHILD = fileURLToPath(new URL("./crash-child.ts", import.meta.url));
const root = mkdtempSync(join(tmpdir(), "tunelab-crash-"));
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill("SIGKILL");
  rmSync(root, { recursive: true, force: true });
});

function startChild(checkpointEvery = 20): Promise<{ process: ChildProcess; port: number }> {
  const proc = spawn(process.execPath, ["--import", "tsx", CHILD, root, String(checkpointEvery)], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    proc.stdout?.on("data", (chunk: Buffer) => {
      const match = /listening (\d+)/.exec(chunk.toString());
      if (match) resolve({ process: proc, port: Number(match[1]) });
    });
    proc.on("exit", (code) => reject(new Error(`engine process exited early (${code})`)));
  });
}

const pairs = Array.from({ length: 40 }, (_, i) => [`word ${i}`, i % 2 ? "odd" : "even"] as [string, string]);

describe("a training process killed with SIGKILL", () => {
  it("leaves a job that the next process resumes from its last checkpoint", async () => {
    const started = await startChild();
    child = started.process;
    const remote = new OpenAI({ apiKey: "local", baseURL: `http://127.0.0.1:${started.port}/v1`, maxRetries: 0 });
    const file = await remote.files.create({ file: await toFile(Buffer.from(trainingJsonl(pairs)), "t.jsonl"), purpose: "fine-tune" });
    const job = await remote.fineTuning.jobs.create({
      model: "local-tiny",
      training_file: file.id,
      seed: 1,
      hyperparameters: { n_epochs: 50, batch_size: 1 },
    });

    // kill it once a checkpoint exists and training is still going
    for (;;) {
      const checkpoints = await remote.fineTuning.jobs.checkpoints.list(job.id);
      if (checkpoints.data.length > 0) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    child.kill("SIGKILL");
    await new Promise((r) => child?.once("exit", r));

    const engine = await createEngine({ root, checkpointEvery: 20, leaseSeconds: 1 });
    try {
      const client = clientFor(engine);
      expect((await client.fineTuning.jobs.retrieve(job.id)).status).toBe("running");
      const finished = await waitForJob(client, job.id);
      expect(finished.status).toBe("succeeded");
      const messages = [];
      const metricSteps: number[] = [];
      for await (const event of client.fineTuning.jobs.listEvents(job.id, { limit: 100 })) {
        messages.push(event.message);
        if (event.type === "metrics") metricSteps.push((event.data as { step: number }).step);
      }
      expect(messages.some((m) => /resuming from the checkpoint at step \d+/.test(m))).toBe(true);
      // the steps trained again after the crash are not recorded twice
      expect(metricSteps.sort((a, b) => a - b)).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
      const csv = await (await client.files.content(finished.result_files[0] ?? "")).text();
      const steps = csv
        .trim()
        .split("\n")
        .slice(1)
        .map((line) => Number(line.split(",")[0]));
      expect(steps).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
      const reply = await client.chat.completions.create({
        model: finished.fine_tuned_model ?? "",
        temperature: 0,
        messages: [
          { role: "system", content: "Classify." },
          { role: "user", content: "word 3" },
        ],
      });
      expect(reply.choices[0]?.message.content).toBe("odd");
    } finally {
      await engine.close();
    }
  });

  it("killed before its first checkpoint, trains again from the start and says each warning once", async () => {
    const started = await startChild(100_000);
    child = started.process;
    const remote = new OpenAI({ apiKey: "local", baseURL: `http://127.0.0.1:${started.port}/v1`, maxRetries: 0 });
    // two examples far over local-tiny's 256-token context: the job warns when it starts
    const jsonl = trainingJsonl(pairs.map(([q, a], i) => [i < 2 ? `${q} ${numberedWords(i, 400)}` : q, a] as [string, string]));
    const file = await remote.files.create({ file: await toFile(Buffer.from(jsonl), "long.jsonl"), purpose: "fine-tune" });
    const job = await remote.fineTuning.jobs.create({
      model: "local-tiny",
      training_file: file.id,
      seed: 1,
      // 1,600 steps, the only checkpoint at the last one: the job is still training when the test sees its first metrics,
      // also on a busy machine (with 3 epochs, 120 steps, a loaded CI run once saw it finish first)
      hyperparameters: { n_epochs: 40, batch_size: 1 },
    });
    const warnings = async (client: OpenAI) => {
      const found = [];
      for await (const event of client.fineTuning.jobs.listEvents(job.id, { limit: 200 }))
        if (event.message.includes("longer than the model's training context")) found.push(event);
      return found;
    };
    // kill it once it warned and trained a few steps (no checkpoint yet)
    for (;;) {
      const events = await remote.fineTuning.jobs.listEvents(job.id, { limit: 5 });
      if (events.data.some((e) => e.type === "metrics")) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(await warnings(remote)).toHaveLength(1);
    expect((await remote.fineTuning.jobs.checkpoints.list(job.id)).data).toEqual([]);
    child.kill("SIGKILL");
    await new Promise((r) => child?.once("exit", r));

    const engine = await createEngine({ root, checkpointEvery: 100_000, leaseSeconds: 1 });
    try {
      const client = clientFor(engine);
      const finished = await waitForJob(client, job.id);
      expect(finished.status).toBe("succeeded");
      const messages = [];
      for await (const event of client.fineTuning.jobs.listEvents(job.id, { limit: 200 })) messages.push(event.message);
      expect(messages.some((m) => m.includes("stopped before its first checkpoint; training again from the start"))).toBe(true);
      const said = await warnings(client);
      expect(said).toHaveLength(1);
      expect(said[0]?.level).toBe("warn");
    } finally {
      await engine.close();
    }
  }, 120_000);
});
