/**
 * LoRA fine-tuning of a registered open-weight base through the official SDK, as a user would:
 * upload, create a job with LoRA hyperparameters, follow its metrics, chat with the tuned model.
 * A training process killed with SIGKILL resumes from its checkpoint bit-identically.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import OpenAI, { toFile } from "openai";
import { afterAll, describe, expect, it } from "vitest";
import { createEngine, findModel, registerBaseModel, tunedModelBase } from "../../src/index.ts";
import { clientFor, engineWithClient, waitForJob } from "../engine-client.ts";
import { FIXTURES } from "./reference.ts";
import { ticketsJsonl } from "./tickets.ts";
import { expectLossFellTenfold, expectRoutesTickets, trainLosses, trainTicketRouter } from "./tuned-checks.ts";

const HYPER = { n_epochs: 20, batch_size: 5, learning_rate_multiplier: 25, lora_rank: 8, lora_alpha: 16 } as const;

const roots: string[] = [];
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill("SIGKILL");
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

describe("LoRA fine-tuning of an open-weight base through the official SDK", () => {
  it("drives the loss down and the tuned model answers as trained", async () => {
    const ctx = await engineWithClient({ checkpointEvery: 1000 });
    try {
      const job = await trainTicketRouter(ctx, HYPER, { suffix: "router" });
      expect(job.fine_tuned_model).toMatch(/^ft:tiny-qwen2:tunelab:router:/);
      // the tuned model records where its base came from (what a PEFT export names), not only the registration's name
      const row = await findModel(ctx.engine.store, job.fine_tuned_model ?? "");
      expect(tunedModelBase(row?.dir ?? "")).toMatchObject({ name: "tiny-qwen2", source: `${FIXTURES}qwen2` });
      expect(job.hyperparameters).toMatchObject({ n_epochs: 20, batch_size: 5, lora_rank: 8, lora_alpha: 16 });
      const losses = await trainLosses(ctx.client, job.id);
      expect(losses.length).toBe(40);
      expectLossFellTenfold(losses);
      await expectRoutesTickets(ctx.client, job.fine_tuned_model ?? "");
      // The base model, untouched, does not answer so.
      const base = await ctx.client.chat.completions.create({
        model: "tiny-qwen2",
        temperature: 0,
        max_tokens: 8,
        messages: [
          { role: "system", content: "Route the ticket." },
          { role: "user", content: "My invoice is wrong" },
        ],
      });
      expect(base.choices[0]?.message.content).not.toBe("billing");
    } finally {
      await ctx.dispose();
    }
  }, 300_000);

  it("refuses LoRA settings for a local-* model, naming the parameter", async () => {
    const ctx = await engineWithClient({ runJobs: false });
    try {
      const file = await ctx.client.files.create({ file: await toFile(Buffer.from(ticketsJsonl()), "t.jsonl"), purpose: "fine-tune" });
      await expect(
        ctx.client.fineTuning.jobs.create({ model: "local-tiny", training_file: file.id, hyperparameters: { lora_rank: 4 } as never }),
      ).rejects.toMatchObject({ status: 400, param: "hyperparameters.lora_rank" });
    } finally {
      await ctx.dispose();
    }
  });

  it("refuses prompt_loss_weight for an open-weight base, naming the parameter, and takes auto", async () => {
    const ctx = await engineWithClient({ runJobs: false });
    try {
      await registerBaseModel(ctx.engine.store, { dir: `${FIXTURES}qwen2`, name: "tiny-qwen2" });
      const file = await ctx.client.files.create({ file: await toFile(Buffer.from(ticketsJsonl()), "t.jsonl"), purpose: "fine-tune" });
      const create = (prompt_loss_weight: number | "auto") =>
        ctx.client.fineTuning.jobs.create({
          model: "tiny-qwen2",
          training_file: file.id,
          hyperparameters: { prompt_loss_weight } as never,
        });
      await expect(create(0.1)).rejects.toMatchObject({
        status: 400,
        param: "hyperparameters.prompt_loss_weight",
        message: expect.stringContaining("tiny-qwen2 is a pretrained open-weight model"),
      });
      expect((await create("auto")).status).toBe("validating_files");
    } finally {
      await ctx.dispose();
    }
  });
});

const CHILD = fileURLToPath(new URL("../crash-child.ts", import.meta.url));

function startChild(root: string): Promise<{ process: ChildProcess; port: number }> {
  const proc = spawn(process.execPath, ["--import", "tsx", CHILD, root], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    proc.stdout?.on("data", (chunk: Buffer) => {
      const match = /listening (\d+)/.exec(chunk.toString());
      if (match) resolve({ process: proc, port: Number(match[1]) });
    });
    proc.on("exit", (code) => reject(new Error(`engine process exited early (${code})`)));
  });
}

async function prepareRoot(): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), "tunelab-lora-"));
  roots.push(root);
  const engine = await createEngine({ root, runJobs: false });
  await registerBaseModel(engine.store, { dir: `${FIXTURES}llama`, name: "tiny-llama" });
  await engine.close();
  return root;
}

// 200 steps, a checkpoint every 20: the kill lands long before the end even on a fast, idle machine (with 60 steps
// the job could finish between two polls, and there was nothing left to resume).
const CRASH_HYPER = { n_epochs: 40, batch_size: 2, learning_rate_multiplier: 10, lora_rank: 4, lora_dropout: 0.1 } as const;

async function adapterOf(client: OpenAI, root: string, jobId: string): Promise<Buffer> {
  const job = await waitForJob(client, jobId);
  expect(job.status, JSON.stringify(job.error)).toBe("succeeded");
  return readFileSync(join(root, "models", jobId, "final", "adapter_model.safetensors"));
}

describe("a LoRA training process killed with SIGKILL", () => {
  it("resumes from its checkpoint and ends with the same adapter, bit for bit, as an uninterrupted run", async () => {
    // Uninterrupted.
    const rootA = await prepareRoot();
    const a = await createEngine({ root: rootA, checkpointEvery: 20 });
    let expected: Buffer;
    try {
      const client = clientFor(a);
      const file = await client.files.create({ file: await toFile(Buffer.from(ticketsJsonl()), "t.jsonl"), purpose: "fine-tune" });
      const job = await client.fineTuning.jobs.create({
        model: "tiny-llama",
        training_file: file.id,
        seed: 9,
        hyperparameters: CRASH_HYPER as never,
      });
      expected = await adapterOf(client, rootA, job.id);
    } finally {
      await a.close();
    }

    // Killed after its first checkpoint, then resumed by another process.
    const rootB = await prepareRoot();
    const started = await startChild(rootB);
    child = started.process;
    const remote = new OpenAI({ apiKey: "local", baseURL: `http://127.0.0.1:${started.port}/v1`, maxRetries: 0 });
    const file = await remote.files.create({ file: await toFile(Buffer.from(ticketsJsonl()), "t.jsonl"), purpose: "fine-tune" });
    const job = await remote.fineTuning.jobs.create({
      model: "tiny-llama",
      training_file: file.id,
      seed: 9,
      hyperparameters: CRASH_HYPER as never,
    });
    for (;;) {
      const checkpoints = await remote.fineTuning.jobs.checkpoints.list(job.id);
      if (checkpoints.data.length > 0) break;
      const now = await remote.fineTuning.jobs.retrieve(job.id);
      expect(now.status, JSON.stringify(now.error)).not.toMatch(/succeeded|failed|cancelled/);
      await new Promise((r) => setTimeout(r, 25));
    }
    child.kill("SIGKILL");
    await new Promise((r) => child?.once("exit", r));
    const b = await createEngine({ root: rootB, checkpointEvery: 20, leaseSeconds: 1 });
    try {
      const client = clientFor(b);
      const before = await client.fineTuning.jobs.retrieve(job.id);
      expect(before.status, "the job had finished before it was killed: give it more steps").not.toBe("succeeded");
      const resumed = await adapterOf(client, rootB, job.id);
      const messages: string[] = [];
      for await (const e of client.fineTuning.jobs.listEvents(job.id, { limit: 100 })) messages.push(e.message);
      expect(messages.some((m) => /resuming from the checkpoint at step \d+/.test(m))).toBe(true);
      expect(resumed.equals(expected)).toBe(true);
    } finally {
      await b.close();
    }
  }, 300_000);
});
