// Open-weight experiments through the API (app.request) on the real engine with the tiny Qwen2 fixture checkpoint:
// the base model list, LoRA and DPO experiments (trained and scored), what an experiment trains (LoRA settings and
// the trainable-parameter count, checked against the exported adapter's tensors), .tar downloads of the PEFT adapter
// and the merged checkpoint, the leaderboard's method and base model filters, and the refusals.
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { runningWorkerTasks } from "@tunelab/core";
import { registerBaseModel } from "@tunelab/engine";
import { extract } from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiApp } from "../src/index.ts";
import { pendingExports } from "../src/routes/export-tar.ts";
import { apiHarness } from "./api-harness.ts";

const QWEN2 = fileURLToPath(new URL("../../../packages/engine/fixtures/hf/qwen2", import.meta.url));
const ndjson = { "content-type": "application/x-ndjson" };
const TICKETS: Array<[string, string]> = [
  ["My invoice is wrong", "billing"],
  ["The app crashes on start", "bug"],
  ["How do I reset my password?", "account"],
  ["I was charged twice", "billing"],
  ["Error 500 when saving", "bug"],
  ["Change my email address", "account"],
  ["Refund my last order", "billing"],
  ["The page is blank", "bug"],
  ["Delete my account", "account"],
  ["Update my card", "billing"],
];
const chat = (user: string, label: string) =>
  JSON.stringify({
    messages: [
      { role: "system", content: "Route the ticket." },
      { role: "user", content: user },
      { role: "assistant", content: label },
    ],
  });
const preference = (user: string, label: string) =>
  JSON.stringify({
    input: {
      messages: [
        { role: "system", content: "Route the ticket." },
        { role: "user", content: user },
      ],
    },
    preferred_output: [{ role: "assistant", content: label }],
    non_preferred_output: [{ role: "assistant", content: "I cannot help with that." }],
  });
const lines = (items: string[]) => `${items.join("\n")}\n`;
/** Sizes of the tiny fixture: hidden 64, 2 layers, 4 heads and 2 KV heads of 16, intermediate 160. */
const Q_V_RANK_4 = 2 * 4 * (64 + 64 + (64 + 32));

let h: Awaited<ReturnType<typeof apiHarness>>;
const ids: Record<string, string> = {};

async function finished(id: string) {
  for (;;) {
    const { json } = await h.call("GET", `/api/experiments/${id}`);
    if (["completed", "failed", "cancelled"].includes(json.status)) return json;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The archive's entries: name → bytes. */
async function untar(response: Response): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const reader = extract();
  const done = (async () => {
    for await (const entry of reader) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      files.set(entry.header.name, Buffer.concat(chunks));
    }
  })();
  reader.end(Buffer.from(await response.arrayBuffer()));
  await done;
  return files;
}

/** Element counts of a safetensors file's tensors, from its header. */
function tensorElements(bytes: Buffer): Record<string, number> {
  const length = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString("utf8")) as Record<string, { shape?: number[] }>;
  const out: Record<string, number> = {};
  for (const [name, t] of Object.entries(header)) if (t.shape) out[name] = t.shape.reduce((a, b) => a * b, 1);
  return out;
}

const exportDirs = () => readdirSync(tmpdir()).filter((d) => d.startsWith("tunelab-export-"));

beforeAll(async () => {
  h = await apiHarness();
  await registerBaseModel(h.engine.store, { dir: QWEN2, name: "tiny-qwen2" });
  const { call } = h;
  expect((await call("POST", "/api/projects", { name: "router" })).status).toBe(201);
  const test = [chat("My bill is too high", "billing"), chat("The button does nothing", "bug"), chat("I forgot my login", "account")];
  expect((await call("PUT", "/api/projects/router/test-split", lines(test), ndjson)).status).toBe(201);
  expect(
    (await call("POST", "/api/projects/router/datasets/train/versions", lines(TICKETS.map(([u, l]) => chat(u, l))), ndjson)).status,
  ).toBe(201);
  const prefs = lines(TICKETS.map(([u, l]) => preference(u, l)));
  expect((await call("POST", "/api/projects/router/datasets/prefs/versions", prefs, ndjson)).status).toBe(201);
  const graders = await call("PUT", "/api/projects/router/graders", {
    graders: [{ type: "string_check", name: "exact", input: "{{sample.output_text}}", reference: "{{item.reference}}", operation: "eq" }],
  });
  expect(graders.status).toBe(201);
}, 60_000);
afterAll(async () => h.dispose());

describe("open-weight base models through the API", () => {
  it("lists the built-in sizes and the registered checkpoint with its architecture, size and context", async () => {
    const { status, json } = await h.call("GET", "/api/models");
    expect(status).toBe(200);
    expect(json.data.map((m: { id: string }) => m.id)).toEqual(["local-tiny", "local-small", "local-base", "tiny-qwen2"]);
    expect(json.data[3]).toMatchObject({
      id: "tiny-qwen2",
      kind: "open-weight",
      architecture: "Qwen2ForCausalLM",
      dtype: "bf16",
      contextLength: 256,
      source: QWEN2,
      methods: ["supervised", "dpo"],
      lora: true,
    });
    expect(json.data[3].parameters).toBeGreaterThan(50_000);
    expect(json.data[3]).not.toHaveProperty("config");
    expect(json.data[0]).toMatchObject({ kind: "built-in", methods: ["supervised", "dpo"], lora: false, source: null });
  });

  it("trains a LoRA experiment and reports its settings and trainable parameters", async () => {
    const created = await h.call("POST", "/api/projects/router/experiments", {
      dataset: "train@1",
      model: "tiny-qwen2",
      name: "lora-qv",
      hyperparameters: {
        n_epochs: 5,
        batch_size: 5,
        learning_rate_multiplier: 20,
        lora_rank: 4,
        lora_target_modules: ["v_proj", "q_proj"],
      },
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    ids.lora = created.json.experiment.id;
    const done = await finished(ids.lora ?? "");
    expect(done.status, done.error).toBe("completed");
    expect(done.hyperparameters.resolved).toMatchObject({ lora_rank: 4, lora_alpha: 32, lora_target_modules: ["q_proj", "v_proj"] });

    const setup = (await h.call("GET", `/api/experiments/${ids.lora}/setup`)).json;
    expect(setup).toMatchObject({
      baseModel: "tiny-qwen2",
      method: "supervised",
      openWeightBase: { id: "tiny-qwen2", architecture: "Qwen2ForCausalLM" },
      trainingType: "lora",
      trainableParameters: Q_V_RANK_4,
      lora: { rank: 4, alpha: 32, dropout: 0, targets: ["q_proj", "v_proj"], trainableParameters: Q_V_RANK_4, resolved: true },
      export: { formats: ["peft", "merged", "gguf", "gguf-lora"], reason: null },
    });
    expect(setup.lora.trainableFraction).toBeCloseTo(Q_V_RANK_4 / setup.openWeightBase.parameters, 12);
  }, 300_000);

  it("downloads the PEFT adapter as a .tar whose tensors hold exactly the trainable parameters, and removes the temp export", async () => {
    const before = exportDirs();
    const response = await h.app.request(`/api/experiments/${ids.lora}/export?format=peft`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/x-tar");
    const tuned = (await h.call("GET", `/api/experiments/${ids.lora}`)).json.tunedModel as string;
    const folder = `${tuned.replace(/[^a-zA-Z0-9._-]+/g, "-").replace(/-+/g, "-")}-peft`;
    expect(response.headers.get("content-disposition")).toBe(`attachment; filename="${folder}.tar"`);
    const length = Number(response.headers.get("content-length"));
    const files = await untar(response.clone());
    expect((await response.arrayBuffer()).byteLength).toBe(length);
    expect([...files.keys()].sort()).toEqual([`${folder}/`, `${folder}/adapter_config.json`, `${folder}/adapter_model.safetensors`]);
    const config = JSON.parse(files.get(`${folder}/adapter_config.json`)?.toString() ?? "{}");
    expect(config).toMatchObject({ peft_type: "LORA", r: 4, lora_alpha: 32, base_model_name_or_path: QWEN2 });
    expect([...config.target_modules].sort()).toEqual(["q_proj", "v_proj"]);
    const elements = tensorElements(files.get(`${folder}/adapter_model.safetensors`) ?? Buffer.alloc(8));
    expect(Object.keys(elements)).toHaveLength(2 * 2 * 2); // A and B, 2 projections, 2 layers
    expect(Object.values(elements).reduce((a, b) => a + b, 0)).toBe(Q_V_RANK_4);
    expect(exportDirs()).toEqual(before);
  }, 120_000);

  it("downloads the merged checkpoint (bf16 on request) as a full Hugging Face folder", async () => {
    const response = await h.app.request(`/api/experiments/${ids.lora}/export?format=merged&dtype=bf16`);
    expect(response.status).toBe(200);
    const files = await untar(response);
    const names = [...files.keys()]
      .map((n) => n.split("/").slice(1).join("/"))
      .filter(Boolean)
      .sort();
    expect(names).toEqual(
      expect.arrayContaining(["config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"]),
    );
    const config = JSON.parse([...files.entries()].find(([n]) => n.endsWith("/config.json"))?.[1].toString() ?? "{}");
    expect(config).toMatchObject({ architectures: ["Qwen2ForCausalLM"], torch_dtype: "bfloat16" });
  }, 120_000);

  it("downloads a GGUF file (Q8_0 by default) whose header, architecture and tokenizer are llama.cpp's", async () => {
    const response = await h.app.request(`/api/experiments/${ids.lora}/export?format=gguf`);
    expect(response.status).toBe(200);
    const files = await untar(response);
    const entries = [...files.entries()].filter(([n]) => !n.endsWith("/"));
    expect(entries.map(([n]) => n.split("/").slice(1).join("/"))).toEqual(["model-q8_0.gguf"]);
    const gguf = entries[0]?.[1] ?? Buffer.alloc(0);
    expect(gguf.subarray(0, 4).toString("latin1")).toBe("GGUF");
    expect(gguf.readUInt32LE(4)).toBe(3); // version
    const text = gguf.toString("latin1", 0, Math.min(gguf.length, 64 * 1024));
    for (const key of ["general.architecture", "qwen2", "tokenizer.ggml.pre", "tokenizer.chat_template", "token_embd.weight"])
      expect(text).toContain(key);
  }, 120_000);

  it("prepares downloads asked for together one at a time, each complete", async () => {
    const asked = ["gguf", "peft", "gguf-lora"].map((format) => h.app.request(`/api/experiments/${ids.lora}/export?format=${format}`));
    // the first being prepared (a worker thread starts, then loads the model), the others waiting their turn
    await expect.poll(() => pendingExports(), { interval: 5 }).toBe(3);
    const names = await Promise.all(
      asked.map(async (answer) => {
        const response = await answer;
        expect(response.status).toBe(200);
        return [...(await untar(response)).keys()].filter((n) => !n.endsWith("/")).map((n) => n.split("/").slice(1).join("/"));
      }),
    );
    expect(names).toEqual([["model-q8_0.gguf"], ["adapter_config.json", "adapter_model.safetensors"], ["adapter-f32.gguf"]]);
    expect(pendingExports()).toBe(0);
  }, 120_000);

  it("drops a download whose client went away while it waited, and stops one under way", async () => {
    const url = (format: string) => `/api/experiments/${ids.lora}/export?format=${format}`;
    const first = h.app.request(url("gguf"));
    const gone = new AbortController();
    const waiting = h.app.request(url("gguf-lora"), { signal: gone.signal });
    await expect.poll(() => pendingExports(), { interval: 5 }).toBe(2);
    gone.abort();
    expect((await waiting).status).toBe(499); // left the queue at once, while the first is still prepared
    expect(pendingExports()).toBeLessThanOrEqual(1);
    expect((await first).status).toBe(200);
    expect(pendingExports()).toBe(0);

    const stopped = new AbortController();
    const underWay = h.app.request(url("merged"), { signal: stopped.signal });
    await expect.poll(() => runningWorkerTasks(), { interval: 5 }).toBeGreaterThan(0); // its worker has started
    stopped.abort();
    expect((await underWay).status).toBe(499);
    expect(runningWorkerTasks()).toBe(0); // the worker was terminated, not left to finish
    expect(pendingExports()).toBe(0);
    expect((await h.app.request(url("peft"))).status).toBe(200); // and the queue goes on
  }, 120_000);

  it("fully fine-tunes on request: every weight trains, and it exports merged and GGUF, not PEFT", async () => {
    const created = await h.call("POST", "/api/projects/router/experiments", {
      dataset: "train@1",
      model: "tiny-qwen2",
      name: "full",
      hyperparameters: { n_epochs: 1, batch_size: 5, training_type: "full" },
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    ids.full = created.json.experiment.id;
    const done = await finished(ids.full ?? "");
    expect(done.status, done.error).toBe("completed");
    expect(done.hyperparameters.resolved).toMatchObject({ training_type: "full", n_epochs: 1 });
    const setup = (await h.call("GET", `/api/experiments/${ids.full}/setup`)).json;
    expect(setup).toMatchObject({ trainingType: "full", lora: null, export: { formats: ["merged", "gguf"], reason: null } });
    expect(setup.trainableParameters).toBe(setup.openWeightBase.parameters);
    const peft = await h.call("GET", `/api/experiments/${ids.full}/export?format=peft`);
    expect(peft.status).toBe(409);
    const merged = await h.app.request(`/api/experiments/${ids.full}/export?format=merged`);
    expect(merged.status).toBe(200);
    const names = [...(await untar(merged)).keys()].map((n) => n.split("/").at(-1)).filter(Boolean);
    expect(names).toEqual(expect.arrayContaining(["config.json", "model.safetensors", "tokenizer.json"]));
  }, 300_000);

  it("trains a DPO experiment on preference data; the leaderboard shows the method and filters by base model and method", async () => {
    const created = await h.call("POST", "/api/projects/router/experiments", {
      dataset: "prefs@1",
      model: "tiny-qwen2",
      method: "dpo",
      name: "dpo",
      hyperparameters: { n_epochs: 2, batch_size: 5, learning_rate_multiplier: 20, lora_rank: 4, beta: 0.2 },
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    ids.dpo = created.json.experiment.id;
    const done = await finished(ids.dpo ?? "");
    expect(done.status, done.error).toBe("completed");
    expect(done.method).toBe("dpo");
    expect(done.hyperparameters.resolved).toMatchObject({ beta: 0.2, lora_rank: 4 });
    const setup = (await h.call("GET", `/api/experiments/${ids.dpo}/setup`)).json;
    expect(setup.lora.trainableParameters).toBe(2 * 4 * (128 + 96 + 96 + 128 + 224 + 224 + 224));

    const baseline = await h.call("POST", "/api/projects/router/experiments", {
      model: "local-tiny",
      method: "none",
      name: "tiny baseline",
    });
    await finished(baseline.json.experiment.id);
    const board = (await h.call("GET", "/api/projects/router/leaderboard?sort=name")).json;
    expect(board.rows.map((r: { name: string; method: string }) => `${r.name}:${r.method}`)).toEqual([
      "dpo:dpo",
      "full:supervised",
      "lora-qv:supervised",
      "tiny baseline:none",
    ]);
    const qwen = (await h.call("GET", "/api/projects/router/leaderboard?model=tiny-qwen2&sort=name")).json;
    expect(qwen.rows.map((r: { name: string }) => r.name)).toEqual(["dpo", "full", "lora-qv"]);
    const dpo = (await h.call("GET", "/api/projects/router/leaderboard?method=dpo")).json;
    expect(dpo.rows.map((r: { name: string }) => r.name)).toEqual(["dpo"]);
    expect((await h.call("GET", "/api/projects/router/leaderboard?method=rlhf")).status).toBe(400);
  }, 300_000);

  it("refuses a DPO experiment on chat data before uploading anything", async () => {
    const files = async () => ((await (await h.engine.app.request("/v1/files")).json()) as { data: unknown[] }).data.length;
    const before = await files();
    const refused = await h.call("POST", "/api/projects/router/experiments", { dataset: "train@1", model: "tiny-qwen2", method: "dpo" });
    expect(refused.status).toBe(400);
    expect(refused.json.error.code).toBe("invalid_argument");
    expect(refused.json.error.message).toMatch(/^dataset train@1 is supervised data .*method dpo needs preference data/);
    const beta = await h.call("POST", "/api/projects/router/experiments", {
      dataset: "train@1",
      model: "tiny-qwen2",
      hyperparameters: { beta: 0.1 },
    });
    expect(beta.json.error.message).toBe("hyperparameters.beta: beta applies to method dpo only, not supervised");
    const rank = await h.call("POST", "/api/projects/router/experiments", {
      dataset: "train@1",
      model: "tiny-qwen2",
      hyperparameters: { lora_rank: 0 },
    });
    expect(rank.status).toBe(400);
    expect(rank.json.error.message).toMatch(/^hyperparameters\.lora_rank: /);
    // a hyperparameter of the other kind of base is refused before an experiment is stored (the engine's rule)
    const stored = async () => (await h.call("GET", "/api/projects/router/experiments")).json.data.length;
    const experimentsBefore = await stored();
    const plw = await h.call("POST", "/api/projects/router/experiments", {
      dataset: "train@1",
      model: "tiny-qwen2",
      hyperparameters: { prompt_loss_weight: 0.2 },
    });
    expect(plw.status).toBe(400);
    expect(plw.json.error).toMatchObject({
      code: "invalid_argument",
      message:
        "hyperparameters.prompt_loss_weight: prompt_loss_weight applies to the local-* models trained from scratch; tiny-qwen2 is a pretrained open-weight model, trained on the assistant tokens only.",
    });
    const sweptPlw = await h.call("POST", "/api/projects/router/sweeps", {
      datasets: ["train@1"],
      model: "tiny-qwen2",
      prompt_loss_weight: [0, 1],
    });
    expect(sweptPlw.status).toBe(400);
    expect(sweptPlw.json.error.message).toMatch(/^hyperparameters\.prompt_loss_weight: prompt_loss_weight applies to the local-\* models/);
    const scratch = await h.call("POST", "/api/projects/router/experiments", {
      dataset: "train@1",
      model: "local-tiny",
      hyperparameters: { training_type: "full" },
    });
    expect(scratch.status).toBe(400);
    expect(scratch.json.error.message).toBe(
      "hyperparameters.training_type: training_type applies to open-weight base models (LoRA); local-tiny is trained in full.",
    );
    expect(await stored()).toBe(experimentsBefore);
    expect(await files()).toBe(before);
  });

  it("refuses exports that cannot be made: a baseline, an unknown format, a model not trained yet", async () => {
    const baseline = (await h.call("POST", "/api/projects/router/experiments", { model: "tiny-qwen2", method: "none", run: false })).json
      .experiment;
    const setup = (await h.call("GET", `/api/experiments/${baseline.id}/setup`)).json;
    expect(setup).toMatchObject({
      openWeightBase: { id: "tiny-qwen2" },
      lora: null,
      export: { formats: [], reason: "a baseline trains nothing" },
    });
    const refused = await h.call("GET", `/api/experiments/${baseline.id}/export?format=peft`);
    expect(refused.status).toBe(409);
    expect(refused.json.error.message).toContain("a baseline trains nothing");
    expect((await h.call("GET", `/api/experiments/${ids.lora}/export?format=onnx`)).status).toBe(400);
    // a weight type the format does not write: refused by the query's schema, naming the field
    const wrongType = await h.call("GET", `/api/experiments/${ids.lora}/export?format=peft&dtype=q8_0`);
    expect(wrongType.status).toBe(400);
    expect(JSON.stringify(wrongType.json)).toContain("--dtype does not apply to peft exports");
    const pending = (
      await h.call("POST", "/api/projects/router/experiments", {
        dataset: "train@1",
        model: "tiny-qwen2",
        hyperparameters: { lora_rank: 2 },
        run: false,
      })
    ).json.experiment;
    const early = await h.call("GET", `/api/experiments/${pending.id}/export?format=merged`);
    expect(early.status).toBe(409);
    expect(early.json.error.message).toContain("the tuned model does not exist yet (status created)");
    // before training, the count is what the asked settings will train
    expect((await h.call("GET", `/api/experiments/${pending.id}/setup`)).json.lora).toMatchObject({ rank: 2, resolved: false });
  });

  it("asks for the token on downloads as on every /api route", async () => {
    const guarded = createApiApp({ services: h.services, token: "s3cret" });
    const path = `/api/experiments/${ids.lora}/export?format=peft`;
    expect((await guarded.request(path)).status).toBe(401);
    const ok = await guarded.request(path, { headers: { authorization: "Bearer s3cret" } });
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();
  });

  it("runs a sweep over LoRA rank with a comma list per axis, and refuses a bad value", async () => {
    const sweep = await h.call("POST", "/api/projects/router/sweeps", {
      datasets: ["train@1"],
      model: "tiny-qwen2",
      n_epochs: [1],
      batch_size: [5],
      lora_rank: [2, 8],
    });
    expect(sweep.status, JSON.stringify(sweep.json)).toBe(201);
    const made: Array<{ experiment: { id: string; name: string } }> = sweep.json.data;
    expect(made.map((r) => r.experiment.name)).toEqual(["train@1 tiny-qwen2 ep=1 bs=5 r=2", "train@1 tiny-qwen2 ep=1 bs=5 r=8"]);
    for (const r of made) expect((await finished(r.experiment.id)).status).toBe("completed");
    const counts = [];
    for (const r of made) counts.push((await h.call("GET", `/api/experiments/${r.experiment.id}/setup`)).json.lora.trainableParameters);
    expect(counts[1]).toBe(4 * (counts[0] ?? 0));
    const bad = await h.call("POST", "/api/projects/router/sweeps", { datasets: ["train@1"], model: "tiny-qwen2", beta: [0.1] });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toBe("hyperparameters.beta: beta applies to method dpo only, not supervised");
    const big = await h.call("POST", "/api/projects/router/sweeps", {
      datasets: ["train@1"],
      model: "tiny-qwen2",
      lora_rank: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
      lora_alpha: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14],
    });
    expect(big.status).toBe(400);
    expect(big.json.error.message).toBe(
      "body: a sweep may have at most 200 points; this grid has 210 (datasets 1 × lora_rank 15 × lora_alpha 14): shorten a list or split the sweep",
    );
  }, 300_000);
});
