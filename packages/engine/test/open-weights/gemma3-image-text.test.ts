/**
 * Gemma 3's image-text checkpoints (4B–27B, `Gemma3ForConditionalGeneration`): the engine runs and tunes their language
 * model and leaves the vision tower as it is. The checkpoint here is the gemma3 fixture (checked against the PyTorch
 * reference in parity.test.ts) written as such a checkpoint: config.json's text_config, the text model's tensors under
 * the released files' prefix `language_model.model.` (or transformers ≥ 4.52's `model.language_model.`), and two
 * vision tensors beside them. It serves the fixture's log-probabilities exactly; a LoRA job through the SDK routes every
 * ticket; the merged export writes the same tensor names with the vision tensors unchanged and serves the tuned model;
 * the PEFT export names the language model's modules as PEFT finds them in the whole model, and serves the tuned model
 * installed again; the GGUF export is the text model, which llama.cpp runs as the engine does; full fine-tuning is
 * refused, naming why.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportTunedModel } from "../../src/hf/export.ts";
import { exportBaseModel } from "../../src/hf/export-base.ts";
import { TEXT_TENSOR_LAYOUTS, type TextTensorLayout } from "../../src/hf/image-text.ts";
import { readStoredMatrix } from "../../src/hf/model/weights.ts";
import { readSafetensorsHeader } from "../../src/hf/safetensors.ts";
import { writeSafetensors } from "../../src/hf/safetensors-write.ts";
import { registerBaseModel } from "../../src/index.ts";
import { findRegisteredBase } from "../../src/models/base-model.repository.ts";
import { findModel } from "../../src/models/model.repository.ts";
import { engineWithClient } from "../engine-client.ts";
import { ggufAgainstEngine, llamaCppOrSkip } from "../llama-cpp.ts";
import { type EngineScore, engineScores, FIXTURES, installAdapter, maxEngineDifference } from "./export-support.ts";
import { TICKETS, ticketsJsonl } from "./tickets.ts";
import { expectRoutesTickets, ROUTER_HYPER, trainTicketRouter } from "./tuned-checks.ts";

const llama = await llamaCppOrSkip("gemma3-image-text.test.ts");

const VISION = {
  "vision_tower.vision_model.embeddings.patch_embedding.weight": [8, 3, 2, 2],
  "multi_modal_projector.mm_input_projection_weight": [8, 64],
} as const;

/** The gemma3 fixture as an image-text checkpoint whose files use `layout`. */
function imageTextCheckpoint(root: string, name: string, layout: TextTensorLayout, textChanges: Record<string, unknown> = {}): string {
  const dir = join(root, name);
  cpSync(join(FIXTURES, "gemma3"), dir, { recursive: true });
  const text = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Record<string, unknown>;
  const { architectures: _, torch_dtype, transformers_version, ...textConfig } = text;
  const config = {
    architectures: ["Gemma3ForConditionalGeneration"],
    model_type: "gemma3",
    text_config: { ...textConfig, ...textChanges },
    vision_config: { model_type: "siglip_vision_model", hidden_size: 8, patch_size: 2, image_size: 4 },
    image_token_index: 460,
    mm_tokens_per_image: 4,
    torch_dtype,
    transformers_version,
  };
  writeFileSync(join(dir, "config.json"), JSON.stringify(config, null, 2));
  const file = join(dir, "model.safetensors");
  const header = readSafetensorsHeader(file);
  const tensors = [...header.tensors.values()].map((entry) => ({
    name: entry.name === "lm_head.weight" ? layout.head : layout.model + entry.name.slice("model.".length),
    shape: entry.shape,
    data: readStoredMatrix(file, entry),
  }));
  for (const [tensor, shape] of Object.entries(VISION))
    tensors.push({
      name: tensor,
      shape: [...shape],
      data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i) / 4),
    });
  writeSafetensors(file, tensors, "BF16");
  writeFileSync(join(dir, "preprocessor_config.json"), JSON.stringify({ image_processor_type: "Gemma3ImageProcessor" }));
  return dir;
}

/** A safetensors file's tensor names, and a tensor's raw bytes. */
function names(file: string): string[] {
  return [...readSafetensorsHeader(file).tensors.keys()].sort();
}
function rawBytes(file: string, name: string): Buffer {
  const bytes = readFileSync(file);
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString("utf8")) as Record<string, { dtype: string; data_offsets: [number, number] }>;
  const t = header[name];
  if (!t) throw new Error(`${file} has no ${name}`);
  return bytes.subarray(8 + n + t.data_offsets[0], 8 + n + t.data_offsets[1]);
}

let ctx: Awaited<ReturnType<typeof engineWithClient>>;
let work: string;
let released: string;
let fixtureScores: EngineScore[];
let tuned: { model: string; dir: string };
let tunedScores: EngineScore[];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "tunelab-gemma3-image-text-"));
  released = imageTextCheckpoint(work, "gemma3-4b-like", TEXT_TENSOR_LAYOUTS[0] as TextTensorLayout);
  ctx = await engineWithClient({ checkpointEvery: 1000 });
  await registerBaseModel(ctx.engine.store, { dir: join(FIXTURES, "gemma3"), name: "tiny-gemma3" });
  fixtureScores = await engineScores(ctx.client, "tiny-gemma3");
  const job = await trainTicketRouter(ctx, ROUTER_HYPER, { base: { dir: released, name: "tiny-gemma3-it" } });
  const row = await findModel(ctx.engine.store, job.fine_tuned_model ?? "");
  if (!row) throw new Error("the tuned model is not stored");
  tuned = { model: row.id, dir: row.dir };
  tunedScores = await engineScores(ctx.client, tuned.model);
}, 300_000);

afterAll(async () => {
  await ctx?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("a Gemma 3 image-text checkpoint's language model", () => {
  it("registers as Gemma3ForConditionalGeneration and serves the text model's log-probabilities, in either file layout (the chat template in chat_template.json too)", async () => {
    const base = await findRegisteredBase(ctx.engine.store, "tiny-gemma3-it");
    expect(base?.architecture).toBe("Gemma3ForConditionalGeneration");
    expect(maxEngineDifference(fixtureScores, await engineScores(ctx.client, "tiny-gemma3-it"))).toBe(0);
    const saved = imageTextCheckpoint(work, "gemma3-saved", TEXT_TENSOR_LAYOUTS[1] as TextTensorLayout);
    expect(names(join(saved, "model.safetensors"))).toContain("model.language_model.embed_tokens.weight");
    // its chat template in chat_template.json, as the Gemma 3 4B–27B repositories have it
    const tokenizerConfig = JSON.parse(readFileSync(join(saved, "tokenizer_config.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(join(saved, "chat_template.json"), JSON.stringify({ chat_template: tokenizerConfig.chat_template }));
    delete tokenizerConfig.chat_template;
    writeFileSync(join(saved, "tokenizer_config.json"), JSON.stringify(tokenizerConfig));
    await registerBaseModel(ctx.engine.store, { dir: saved, name: "tiny-gemma3-it-saved" });
    expect(maxEngineDifference(fixtureScores, await engineScores(ctx.client, "tiny-gemma3-it-saved"))).toBe(0);
  });

  it("trains with LoRA through the SDK, and the tuned model routes every ticket", async () => {
    await expectRoutesTickets(ctx.client, tuned.model);
  });

  it("exports merged under the checkpoint's own names, the vision tower unchanged, and serves the tuned model registered again", async () => {
    const out = (await exportTunedModel({ modelDir: tuned.dir, format: "merged", dtype: "bf16", outDir: join(work, "merged") })).outDir;
    const [file, original] = [join(out, "model.safetensors"), join(released, "model.safetensors")];
    expect(names(file)).toEqual(names(original));
    for (const name of Object.keys(VISION)) expect(rawBytes(file, name).equals(rawBytes(original, name)), name).toBe(true);
    // the adapter moved the language model's projections, not its embedding
    expect(
      rawBytes(file, "language_model.model.layers.0.self_attn.q_proj.weight").equals(
        rawBytes(original, "language_model.model.layers.0.self_attn.q_proj.weight"),
      ),
    ).toBe(false);
    expect(
      rawBytes(file, "language_model.model.embed_tokens.weight").equals(rawBytes(original, "language_model.model.embed_tokens.weight")),
    ).toBe(true);
    const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8")) as Record<string, unknown>;
    expect(config).toMatchObject({
      architectures: ["Gemma3ForConditionalGeneration"],
      model_type: "gemma3",
      vision_config: { hidden_size: 8 },
    });
    expect(readFileSync(join(out, "preprocessor_config.json"), "utf8")).toContain("Gemma3ImageProcessor");
    await registerBaseModel(ctx.engine.store, { dir: out, name: "tiny-gemma3-it-merged" });
    // bf16 rounds the merged weights: the same greedy tokens, log-probabilities within bf16's reach
    const merged = await engineScores(ctx.client, "tiny-gemma3-it-merged");
    expect(merged.map((s) => s.content.map((c) => c.token))).toEqual(tunedScores.map((s) => s.content.map((c) => c.token)));
  });

  it("exports PEFT under the language model's modules in the whole model, and that adapter serves the tuned model", async () => {
    const out = (await exportTunedModel({ modelDir: tuned.dir, format: "peft", outDir: join(work, "peft") })).outDir;
    const keys = names(join(out, "adapter_model.safetensors"));
    expect(keys).toContain("base_model.model.model.language_model.layers.0.self_attn.q_proj.lora_A.weight");
    expect(keys.every((k) => k.startsWith("base_model.model.model.language_model.layers."))).toBe(true);
    const config = JSON.parse(readFileSync(join(out, "adapter_config.json"), "utf8")) as { target_modules: string };
    expect(config.target_modules).toBe(".*language_model.*\\.(down_proj|gate_proj|k_proj|o_proj|q_proj|up_proj|v_proj)");
    expect(new RegExp(`^${config.target_modules}$`).test("model.vision_tower.vision_model.encoder.layers.0.self_attn.q_proj")).toBe(false);
    const base = await findRegisteredBase(ctx.engine.store, "tiny-gemma3-it");
    if (!base) throw new Error("base not registered");
    await installAdapter(ctx.engine.store, join(work, "engine"), "ft:tiny-gemma3-it:peft-export", out, base);
    expect(maxEngineDifference(tunedScores, await engineScores(ctx.client, "ft:tiny-gemma3-it:peft-export"))).toBeLessThanOrEqual(1e-5);
  });

  it.skipIf(!llama)(
    "exports its text model as a GGUF file that llama.cpp runs as the engine does (f32)",
    async () => {
      // the score scale llama.cpp computes (gguf-llama-cpp.test.ts): query_pre_attn_scalar = head_dim
      const dir = imageTextCheckpoint(work, "gemma3-gguf", TEXT_TENSOR_LAYOUTS[0] as TextTensorLayout, { query_pre_attn_scalar: 32 });
      await registerBaseModel(ctx.engine.store, { dir, name: "tiny-gemma3-it-gguf" });
      const out = await exportBaseModel({
        name: "tiny-gemma3-it-gguf",
        baseDir: dir,
        format: "gguf",
        dtype: "f32",
        outDir: join(work, "gguf"),
      });
      const path = join(out.outDir, out.files[0] as string);
      const lib = llama as NonNullable<typeof llama>;
      const meta = (await lib.readGgufFileInfo(path)).metadata as { general: { architecture: string } };
      expect(meta.general.architecture).toBe("gemma3");
      const tokens = Array.from({ length: 24 }, (_, i) => (i * 37 + 11) % 400);
      const { maxDiff, sameArgmax } = await ggufAgainstEngine(lib, path, dir, tokens);
      expect(sameArgmax).toBe(tokens.length);
      // llama.cpp's CPU GELU goes through a float16 table (gguf-llama-cpp.test.ts)
      expect(maxDiff).toBeLessThanOrEqual(2e-2);
    },
    120_000,
  );

  it("refuses full fine-tuning, naming why, before anything trains", async () => {
    const file = await ctx.client.files.create({ file: await toFile(Buffer.from(ticketsJsonl(TICKETS)), "t.jsonl"), purpose: "fine-tune" });
    await expect(
      ctx.client.fineTuning.jobs.create({
        model: "tiny-gemma3-it",
        training_file: file.id,
        hyperparameters: { training_type: "full" } as never,
      }),
    ).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining("is an image-text checkpoint (Gemma3ForConditionalGeneration); its language model trains with LoRA"),
    });
  });
});
