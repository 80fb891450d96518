/**
 * Gemma 3 (text) end to end on the `gemma3` fixture (hf_reference.py: a sliding-window layer and a global one, head_dim
 * ≠ hidden / heads, query_pre_attn_scalar ≠ head_dim, norms stored as w for a scale of 1 + w): a LoRA job through the
 * official SDK routes every ticket; the merged export writes the norms as Gemma stores them (w, not the 1 + w the engine
 * holds), registers again and serves the tuned model's log-probabilities; and with Debian's torch, the independent
 * PyTorch reference scores the merged folder as the engine serves the tuned model. Full fine-tuning trains every weight
 * and stores the norms as Gemma does.
 */
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportBaseModel } from "../../src/hf/export-base.ts";
import { registerBaseModel } from "../../src/index.ts";
import { findModel } from "../../src/models/model.repository.ts";
import { waitForJob } from "../engine-client.ts";
import { FIXTURES, torchVersion } from "./export-support.ts";
import { ticketsJsonl } from "./tickets.ts";
import { expectLossFellTenfold, expectRoutesTickets, greedyReply, trainFullRouter, trainLosses } from "./tuned-checks.ts";
import { disposeTunedFixture, itServesTheMergedExportAsTuned, type TunedFixture, tunedFixture } from "./tuned-fixture.ts";

const BASE = "tiny-gemma3";
const baseDir = join(FIXTURES, "gemma3");
const _TORCH = torchVersion();

let fixture: TunedFixture | undefined;
let ctx: TunedFixture["ctx"];
let work: string;
let tuned: { jobId: string; model: string; dir: string };
let mergedDir: string;

beforeAll(async () => {
  fixture = await tunedFixture(BASE, baseDir);
  ({ ctx, work, tuned, mergedDir } = fixture);
}, 300_000);

afterAll(() => disposeTunedFixture(fixture));

/** A safetensors file's float32 tensor, or a bf16 one widened (read without the engine's reader). */
function tensor(file: string, name: string): Float32Array {
  const bytes = readFileSync(file);
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString("utf8")) as Record<string, { dtype: string; data_offsets: [number, number] }>;
  const t = header[name];
  if (!t) throw new Error(`${file} has no ${name}`);
  const raw = bytes.subarray(8 + n + t.data_offsets[0], 8 + n + t.data_offsets[1]);
  const copy = new Uint8Array(raw);
  if (t.dtype === "F32") return new Float32Array(copy.buffer);
  if (t.dtype !== "BF16") throw new Error(`${name} is ${t.dtype}`);
  const halves = new Uint16Array(copy.buffer);
  return Float32Array.from(halves, (h) => new Float32Array(new Uint32Array([h << 16]).buffer)[0] as number);
}

describe("a LoRA job on Gemma 3 (text)", () => {
  it("trains through the SDK, and the tuned model routes every ticket", async () => {
    expectLossFellTenfold(await trainLosses(ctx.client, tuned.jobId));
    await expectRoutesTickets(ctx.client, tuned.model);
  });
});

describe("full fine-tuning of Gemma 3", () => {
  it("trains every weight, answers as trained, stores its norms as Gemma does, and continues from its checkpoint", async () => {
    const job = await trainFullRouter(ctx, BASE);
    const row = await findModel(ctx.engine.store, job.fine_tuned_model ?? "");
    if (!row) throw new Error("tuned model not stored");
    // the tuned folder holds w (the engine trained 1 + w): loading it again gives the same model, and its
    // norms moved from the base's (full fine-tuning trains them) by less than the 1 a missing shift would add
    const stored = tensor(join(row.dir, "model.safetensors"), "model.layers.0.input_layernorm.weight");
    const base = tensor(join(baseDir, "model.safetensors"), "model.layers.0.input_layernorm.weight");
    expect(Math.max(...stored.map((v, i) => Math.abs(v - (base[i] as number))))).toBeLessThan(0.5);
    await registerBaseModel(ctx.engine.store, { dir: row.dir, name: "tiny-gemma3-full" });
    expect(await greedyReply(ctx.client, "tiny-gemma3-full", "I was charged twice")).toBe("billing");
    // a second job continues from the fully tuned model
    const again = await waitForJob(
      ctx.client,
      (
        await ctx.client.fineTuning.jobs.create({
          model: job.fine_tuned_model ?? "",
          training_file: job.training_file,
          hyperparameters: { n_epochs: 1 } as never,
        })
      ).id,
    );
    expect(again.status, JSON.stringify(again.error)).toBe("succeeded");
    expect(await greedyReply(ctx.client, again.fine_tuned_model ?? "", "I was charged twice")).toBe("billing");
  }, 300_000);
});

describe("the merged export of a tuned Gemma 3", () => {
  it("writes the norms as Gemma stores them: w, not the 1 + w the engine holds", () => {
    const file = join(mergedDir, "model.safetensors");
    const original = join(baseDir, "model.safetensors");
    for (const name of [
      "model.layers.0.input_layernorm.weight",
      "model.layers.0.post_attention_layernorm.weight",
      "model.layers.1.pre_feedforward_layernorm.weight",
      "model.layers.1.post_feedforward_layernorm.weight",
      "model.layers.1.self_attn.k_norm.weight",
      "model.norm.weight",
    ])
      expect(Array.from(tensor(file, name)), name).toEqual(Array.from(tensor(original, name)));
  });

  itServesTheMergedExportAsTuned(() => fixture as TunedFixture, "tiny-gemma3-merged");
});

describe("a Gemma 3 tokenizer with a special token past the embedding (the text-only checkpoints' <image_soft_token>)", () => {
  it("registers and serves; a text that holds the token is refused, naming it; its GGUF leaves it out", async () => {
    const dir = join(work, "gemma3-image-token");
    cpSync(baseDir, dir, { recursive: true });
    const edit = (name: string, change: (json: Record<string, unknown>) => void) => {
      const json = JSON.parse(readFileSync(join(dir, name), "utf8")) as Record<string, unknown>;
      change(json);
      writeFileSync(join(dir, name), JSON.stringify(json));
    };
    const rows = (JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as { vocab_size: number }).vocab_size;
    // the score scale llama.cpp computes (gguf-llama-cpp.test.ts), so that the copy exports as GGUF
    edit("config.json", (json) => {
      json.query_pre_attn_scalar = json.head_dim;
    });
    const token = {
      id: rows,
      content: "<image_soft_token>",
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    };
    edit("tokenizer.json", (json) => (json.added_tokens as unknown[]).push(token));
    edit("tokenizer_config.json", (json) => {
      (json.added_tokens_decoder as Record<string, unknown>)[String(rows)] = { ...token, id: undefined };
    });
    await registerBaseModel(ctx.engine.store, { dir, name: "tiny-gemma3-image-token" });
    const ask = (content: string) =>
      ctx.client.chat.completions.create({ model: "tiny-gemma3-image-token", max_tokens: 2, messages: [{ role: "user", content }] });
    expect((await ask("I was charged twice")).choices).toHaveLength(1);
    await expect(ask("look <image_soft_token> here")).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining(
        `the text holds <image_soft_token> (token id ${rows}), a token of the tokenizer the model has no embedding row for`,
      ),
    });
    // a training file that spells it fails while the job validates, naming the line
    const lines = ticketsJsonl().trim().split("\n");
    lines[2] = (lines[2] ?? "").replace("How do I", "<image_soft_token> How do I");
    const file = await ctx.client.files.create({
      file: await toFile(Buffer.from(`${lines.join("\n")}\n`), "t.jsonl"),
      purpose: "fine-tune",
    });
    const job = await waitForJob(
      ctx.client,
      (await ctx.client.fineTuning.jobs.create({ model: "tiny-gemma3-image-token", training_file: file.id })).id,
    );
    expect(job.status).toBe("failed");
    expect(job.error?.message).toBe(
      `The training file t.jsonl line 3: the text holds <image_soft_token> (token id ${rows}), a token of tiny-gemma3-image-token's tokenizer the model has no embedding row for; remove it from the text.`,
    );
    const gguf = await exportBaseModel({
      name: "tiny-gemma3-image-token",
      baseDir: dir,
      format: "gguf",
      dtype: "f32",
      outDir: join(work, "gguf"),
    });
    expect(gguf.files).toEqual(["model-f32.gguf"]);
  });
});
