/**
 * What the export parity test (export.test.ts) and its fixture generator (export-fixture.ts) share:
 * the LoRA job they train on the tiny Qwen3 fixture, the conversations they score, the engine side
 * of the scoring (chat completions with logprobs, as a user calls them), the PyTorch reference side
 * (hf_reference.py score, with Debian's torch), and the comparison of the two.
 */
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type OpenAI from "openai";
import { toFile } from "openai";
import type { RegisteredBase } from "../../src/models/base-model.repository.ts";
import { insertModel } from "../../src/models/model.repository.ts";
import type { EngineStore } from "../../src/storage/store.ts";
import { TICKETS, ticketsJsonl } from "./tickets.ts";

export const FIXTURES = fileURLToPath(new URL("../../fixtures/hf/", import.meta.url));
/** The committed expectation: the adapter the engine trained with SEED, and the reference's scores for it. */
export const EXPORT_FIXTURE = join(FIXTURES, "export");
export const COMMITTED_ADAPTER = join(EXPORT_FIXTURE, "adapter");
export const COMMITTED_EXPECTATION = join(EXPORT_FIXTURE, "expected.json");
export const REFERENCE_SCRIPT = fileURLToPath(new URL("../../scripts/hf_reference.py", import.meta.url));
export const PYTHON = "/usr/bin/python3";

/** Qwen3: q/k norms and head_dim 32 ≠ hidden / heads, so o_proj's input (128) differs from hidden (64). */
export const BASE_CASE = "qwen3";
export const SEED = 11;
/** Attention and MLP projections, some left out: the export must list exactly these. alpha/r = 3. */
export const TARGETS = ["q_proj", "v_proj", "o_proj", "gate_proj", "down_proj"] as const;
export const HYPER = {
  n_epochs: 4,
  batch_size: 4,
  learning_rate_multiplier: 8,
  lora_rank: 4,
  lora_alpha: 12,
  lora_target_modules: [...TARGETS],
};
/** Greedy tokens scored after the prompt. */
export const MAX_NEW_TOKENS = 4;
export const TOP = 5;

/** The shared tickets and two more. */
const EXPORT_TICKETS: Array<[string, string]> = [...TICKETS, ["Login fails every time", "account"], ["Buttons do nothing", "bug"]];

export function trainingJsonl(): string {
  return ticketsJsonl(EXPORT_TICKETS);
}

export interface Conversation {
  name: string;
  messages: Array<{ role: string; content: string }>;
}

/** A training prompt, a held-out one, and a conversation unlike the training data (multi-turn, non-ASCII). */
export const CONVERSATIONS: Conversation[] = [
  {
    name: "trained",
    messages: [
      { role: "system", content: "Route the ticket." },
      { role: "user", content: "I was charged twice" },
    ],
  },
  {
    name: "held_out",
    messages: [
      { role: "system", content: "Route the ticket." },
      { role: "user", content: "The export button is greyed out" },
    ],
  },
  {
    name: "other",
    messages: [
      { role: "user", content: "Bonjour, ça va ?" },
      { role: "assistant", content: "Oui, merci." },
      { role: "user", content: "Tell me a joke." },
    ],
  },
];

/** Trains the LoRA job through the official SDK; returns the tuned model id. */
export async function trainTunedModel(client: OpenAI, base: string): Promise<{ jobId: string; model: string }> {
  const file = await client.files.create({ file: await toFile(Buffer.from(trainingJsonl()), "tickets.jsonl"), purpose: "fine-tune" });
  const created = await client.fineTuning.jobs.create({
    model: base,
    training_file: file.id,
    seed: SEED,
    method: { type: "supervised", supervised: { hyperparameters: HYPER as never } },
  });
  let job = created;
  while (!["succeeded", "failed", "cancelled"].includes(job.status)) {
    await new Promise((r) => setTimeout(r, 100));
    job = await client.fineTuning.jobs.retrieve(created.id);
  }
  if (job.status !== "succeeded" || !job.fine_tuned_model) throw new Error(`job ${job.id} ${job.status}: ${JSON.stringify(job.error)}`);
  return { jobId: job.id, model: job.fine_tuned_model };
}

/** A committed PEFT adapter made into a tuned model of the engine (as a finished job leaves one). */
export async function installAdapter(
  store: EngineStore,
  root: string,
  id: string,
  adapterDir: string,
  base: RegisteredBase,
): Promise<string> {
  const dir = join(root, "models", "committed", id.replace(/[^\w-]/g, "_"));
  mkdirSync(dir, { recursive: true });
  for (const f of ["adapter_config.json", "adapter_model.safetensors"]) cpSync(join(adapterDir, f), join(dir, f));
  const files = JSON.parse(base.files_json) as unknown[];
  const tunelab = { format: "tunelab-lora", version: 1, base: { name: base.id, dir: base.dir, fingerprint: base.fingerprint, files } };
  writeFileSync(join(dir, "tunelab.json"), `${JSON.stringify(tunelab, null, 2)}\n`);
  await insertModel(store, { id, base_model: base.id, job_id: null, dir });
  return dir;
}

export interface EngineScore {
  conversation: string;
  promptTokens: number;
  finishReason: string;
  /** One entry per generated token (the eos that ends a reply is not in OpenAI's content). */
  content: Array<{
    token: string;
    logprob: number;
    bytes: number[] | null;
    top_logprobs: Array<{ token: string; logprob: number; bytes: number[] | null }>;
  }>;
}

/** Greedy completions with logprobs through the official SDK. */
export async function engineScores(client: OpenAI, model: string): Promise<EngineScore[]> {
  const out: EngineScore[] = [];
  for (const c of CONVERSATIONS) {
    const completion = await client.chat.completions.create({
      model,
      messages: c.messages as never,
      temperature: 0,
      max_completion_tokens: MAX_NEW_TOKENS,
      logprobs: true,
      top_logprobs: TOP,
    });
    const choice = completion.choices[0];
    if (!choice?.logprobs?.content) throw new Error(`${model}: no logprobs for ${c.name}`);
    out.push({
      conversation: c.name,
      promptTokens: completion.usage?.prompt_tokens ?? -1,
      finishReason: choice.finish_reason,
      content: choice.logprobs.content as EngineScore["content"],
    });
  }
  return out;
}

/** What hf_reference.py score prints for one conversation (the fields compared). */
export interface ReferenceScore {
  conversation: string;
  token_ids: number[];
  top_logprobs: Array<{ id: number; token: string; bytes: number[]; logprob: number }>;
  greedy: { token_ids: number[]; token_bytes: number[][]; logprobs: number[]; finish_reason: string; min_top2_margin: number };
}

export interface ReferenceRun {
  eos_token_ids: number[];
  adapter_info: { r: number; lora_alpha: number; scale: number; modules: number } | null;
  results: ReferenceScore[];
}

/**
 * Debian's torch version, or undefined when /usr/bin/python3 cannot import torch (as on CI).
 * `TUNELAB_EXPORT_REFERENCE=committed` takes the committed path on a machine with torch too.
 */
export function torchVersion(): string | undefined {
  if (process.env.TUNELAB_EXPORT_REFERENCE === "committed" || !existsSync(PYTHON)) return undefined;
  const probe = spawnSync(PYTHON, ["-c", "import torch, jinja2, regex, numpy; print(torch.__version__)"], {
    encoding: "utf8",
    timeout: 120_000,
  });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
}

/** Runs the committed PyTorch reference on a model directory (with a PEFT adapter merged in float64 when given). */
export async function referenceScores(model: string, conversationsFile: string, adapter?: string): Promise<ReferenceRun> {
  const args = [REFERENCE_SCRIPT, "score", "--model", model, ...(adapter ? ["--adapter", adapter] : [])];
  args.push("--conversations", conversationsFile, "--max-new-tokens", String(MAX_NEW_TOKENS), "--top", String(TOP), "--compact");
  const child = spawn(PYTHON, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  if (code !== 0) throw new Error(`hf_reference.py score ${args.slice(2).join(" ")} exited ${code}: ${stderr}`);
  return JSON.parse(stdout) as ReferenceRun;
}

/** Only the fields compared, for the committed expectation. */
export function trimReference(run: ReferenceRun): ReferenceRun {
  return {
    eos_token_ids: run.eos_token_ids,
    adapter_info: run.adapter_info,
    results: run.results.map((r) => ({
      conversation: r.conversation,
      token_ids: r.token_ids,
      top_logprobs: r.top_logprobs,
      greedy: {
        token_ids: r.greedy.token_ids,
        token_bytes: r.greedy.token_bytes,
        logprobs: r.greedy.logprobs,
        finish_reason: r.greedy.finish_reason,
        min_top2_margin: r.greedy.min_top2_margin,
      },
    })),
  };
}

/** A greedy step counts only while the reference's top-2 margin is wide enough for 1e-3 agreement to imply the same token. */
export const MIN_MARGIN = 0.005;

/**
 * Largest |engine − reference| log-probability over the first position's top-k and the greedy
 * tokens; throws when the prompt ids or the chosen tokens differ (a different token is not a
 * tolerance question).
 */
export function maxDifference(engine: EngineScore[], reference: ReferenceRun): number {
  let worst = 0;
  for (const e of engine) {
    const r = reference.results.find((x) => x.conversation === e.conversation);
    if (!r) throw new Error(`reference has no ${e.conversation}`);
    if (e.promptTokens !== r.token_ids.length)
      throw new Error(`${e.conversation}: ${e.promptTokens} prompt tokens, reference ${r.token_ids.length}`);
    const first = e.content[0];
    if (!first) throw new Error(`${e.conversation}: no generated token`);
    r.top_logprobs.forEach((ref, i) => {
      const got = first.top_logprobs[i];
      if (!got) throw new Error(`${e.conversation}: top_logprobs[${i}] missing`);
      worst = Math.max(worst, Math.abs(got.logprob - ref.logprob));
    });
    const eos = new Set(reference.eos_token_ids);
    const steps = r.greedy.token_ids.filter((id) => !eos.has(id)).length;
    if (r.greedy.min_top2_margin >= MIN_MARGIN) {
      if (e.content.length !== steps) throw new Error(`${e.conversation}: ${e.content.length} tokens, reference ${steps}`);
      const finish = r.greedy.finish_reason === "stop" ? "stop" : "length";
      if (e.finishReason !== finish) throw new Error(`${e.conversation}: finish_reason ${e.finishReason}, reference ${finish}`);
    }
    const compared = r.greedy.min_top2_margin >= MIN_MARGIN ? steps : 1;
    for (let i = 0; i < compared; i++) {
      const got = e.content[i];
      if (!got) throw new Error(`${e.conversation}: token ${i} missing`);
      if (JSON.stringify(got.bytes) !== JSON.stringify(r.greedy.token_bytes[i]))
        throw new Error(
          `${e.conversation}: token ${i} is ${JSON.stringify(got.bytes)}, reference ${JSON.stringify(r.greedy.token_bytes[i])}`,
        );
      worst = Math.max(worst, Math.abs(got.logprob - (r.greedy.logprobs[i] as number)));
    }
  }
  return worst;
}

/** Largest |a − b| between two engine runs that chose the same tokens. */
export function maxEngineDifference(a: EngineScore[], b: EngineScore[]): number {
  let worst = 0;
  a.forEach((x, n) => {
    const y = b[n];
    if (!y || y.content.length !== x.content.length) throw new Error(`${x.conversation}: the two runs generated different lengths`);
    x.content.forEach((t, i) => {
      const u = y.content[i];
      if (!u || u.token !== t.token) throw new Error(`${x.conversation}: token ${i} differs`);
      worst = Math.max(worst, Math.abs(t.logprob - u.logprob));
      t.top_logprobs.forEach((top, j) => {
        worst = Math.max(worst, Math.abs(top.logprob - (u.top_logprobs[j]?.logprob ?? Number.NaN)));
      });
    });
  });
  return worst;
}

export function writeConversations(file: string): void {
  writeFileSync(file, `${JSON.stringify(CONVERSATIONS, null, 2)}\n`);
}
