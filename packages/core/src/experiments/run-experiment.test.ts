// runExperiment against a loopback replica of OpenAI's files, fine-tuning jobs and chat completions endpoints, through
// the real openai SDK and a real SQLite workspace: what a DPO or LoRA experiment sends as the job's `method`, that
// unset extensions stay out of the request (hosted providers refuse unknown keys), and what is stored as resolved.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { setTestSplit } from "../datasets/set-test-split.ts";
import { evaluationSetup } from "../grader-sets/evaluation-setup.ts";
import { saveGraderSet } from "../grader-sets/save-grader-set.ts";
import { seedChatAndPreferences } from "../test-support/experiment-data.ts";
import { chat, jsonl, tempWorkspace } from "../test-support/temp-workspace.ts";
import { createExperiment } from "./create-experiment.ts";
import { type ExperimentServices, runExperiment } from "./run-experiment.ts";

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let server: Server;
let services: ExperimentServices;
/** The bodies of `POST /v1/fine_tuning/jobs`, as the replica received them. */
let created: Array<Record<string, unknown>> = [];

const body = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
};

/** What the provider resolves: the asked numbers, `auto` as the local engine resolves it for a LoRA job. */
function resolve(asked: Record<string, unknown>, dpo: boolean) {
  const num = (key: string, auto: number) => (typeof asked[key] === "number" ? asked[key] : auto);
  return {
    n_epochs: num("n_epochs", 3),
    batch_size: num("batch_size", 4),
    learning_rate_multiplier: num("learning_rate_multiplier", 1),
    lora_rank: num("lora_rank", 16),
    lora_alpha: num("lora_alpha", 32),
    lora_dropout: num("lora_dropout", 0),
    lora_target_modules: Array.isArray(asked.lora_target_modules)
      ? asked.lora_target_modules
      : ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    ...(dpo ? { beta: num("beta", 0.1) } : {}),
  };
}

beforeAll(async () => {
  const jobs = new Map<string, Record<string, unknown>>();
  server = createServer((req, res) => {
    void (async () => {
      res.setHeader("content-type", "application/json");
      const send = (value: unknown) => res.end(JSON.stringify(value));
      const url = req.url ?? "";
      if (req.method === "POST" && url === "/v1/files") {
        await body(req);
        return send({ id: `file-${jobs.size}`, object: "file", bytes: 1, created_at: 0, filename: "t.jsonl", purpose: "fine-tune" });
      }
      if (req.method === "POST" && url === "/v1/fine_tuning/jobs") {
        const request = JSON.parse(await body(req)) as Record<string, unknown>;
        created.push(request);
        const method = request.method as {
          type: "dpo" | "supervised";
          dpo?: { hyperparameters: object };
          supervised?: { hyperparameters: object };
        };
        const asked = (method.type === "dpo" ? method.dpo?.hyperparameters : method.supervised?.hyperparameters) as Record<string, unknown>;
        const hyperparameters = resolve(asked, method.type === "dpo");
        const id = `ftjob-${jobs.size + 1}`;
        const job = {
          id,
          object: "fine_tuning.job",
          created_at: 1,
          finished_at: 2,
          status: "succeeded",
          model: request.model,
          fine_tuned_model: `ft:${String(request.model)}:${id}`,
          trained_tokens: 100,
          // OpenAI reports DPO's values under method.dpo.hyperparameters; the top level has only the common ones
          hyperparameters: { n_epochs: hyperparameters.n_epochs, batch_size: hyperparameters.batch_size, learning_rate_multiplier: 1 },
          method: { type: method.type, [method.type]: { hyperparameters } },
          metadata: request.metadata,
        };
        jobs.set(id, job);
        return send(job);
      }
      if (req.method === "GET" && url.startsWith("/v1/fine_tuning/jobs?")) return send({ object: "list", data: [], has_more: false });
      const job = /^\/v1\/fine_tuning\/jobs\/([\w-]+)(\/events)?/.exec(url);
      if (job?.[2]) return send({ object: "list", data: [], has_more: false });
      if (job?.[1] && jobs.has(job[1])) return send(jobs.get(job[1]));
      if (req.method === "POST" && url === "/v1/chat/completions") {
        await body(req);
        return send({
          id: "c",
          object: "chat.completion",
          created: 0,
          model: "m",
          choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content: "Yes" } }],
          usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
        });
      }
      res.statusCode = 404;
      send({ error: { message: `no route ${req.method} ${url}` } });
    })();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const client = new OpenAI({ apiKey: "k", baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, maxRetries: 0 });
  ws = await tempWorkspace();
  await seedChatAndPreferences(ws);
  const split = await setTestSplit(ws, {
    project: "p",
    text: jsonl([chat("Is the sky blue?", "Yes"), chat("Is water dry?", "No")]),
    fileName: "test.jsonl",
  });
  expect(split.status).toBe("created");
  await saveGraderSet(ws, "p", {
    graders: [{ type: "string_check", name: "exact", input: "{{sample.output_text}}", reference: "{{item.reference}}", operation: "eq" }],
  });
  services = { client: () => client, evaluationSetup: (projectId) => evaluationSetup(ws, projectId), pollMs: 10, evalConcurrency: 2 };
});
beforeEach(() => {
  created = [];
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await ws.dispose();
});

const run = async (input: Parameters<typeof createExperiment>[1]) => {
  const { experiment } = await createExperiment(ws, input);
  return runExperiment(ws, services, experiment.id, new AbortController().signal);
};

describe("the job an experiment creates", () => {
  it("is a DPO job with beta and the LoRA settings, and stores what the provider resolved", async () => {
    const done = await run({
      project: "p",
      dataset: "prefs@1",
      model: "tiny-qwen2",
      method: "dpo",
      hyperparameters: { n_epochs: 2, beta: 0.25, lora_rank: 4, lora_target_modules: ["q_proj", "v_proj"] },
    });
    expect(done.status, done.error ?? "").toBe("completed");
    expect(created).toHaveLength(1);
    expect(created[0]?.method).toEqual({
      type: "dpo",
      dpo: {
        hyperparameters: {
          n_epochs: 2,
          batch_size: "auto",
          learning_rate_multiplier: "auto",
          beta: 0.25,
          lora_rank: 4,
          lora_target_modules: ["q_proj", "v_proj"],
        },
      },
    });
    expect(created[0]).not.toHaveProperty("hyperparameters");
    expect(done.hyperparameters.resolved).toEqual({
      n_epochs: 2,
      batch_size: 4,
      learning_rate_multiplier: 1,
      beta: 0.25,
      lora_rank: 4,
      lora_alpha: 32,
      lora_dropout: 0,
      lora_target_modules: ["q_proj", "v_proj"],
    });
    expect(done.tunedModel).toBe("ft:tiny-qwen2:ftjob-1");
  });

  it("is a supervised job with only OpenAI's keys when no extension is set", async () => {
    const done = await run({ project: "p", dataset: "train@1", model: "gpt-4o-mini", hyperparameters: { n_epochs: 1 } });
    expect(done.status, done.error ?? "").toBe("completed");
    expect(created[0]?.method).toEqual({
      type: "supervised",
      supervised: { hyperparameters: { n_epochs: 1, batch_size: "auto", learning_rate_multiplier: "auto" } },
    });
  });
});
