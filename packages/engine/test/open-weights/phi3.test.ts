/**
 * The Phi-3 family (Phi3ForCausalLM) end to end on the `phi3` fixture (hf_reference.py: q/k/v and gate/up stored
 * stacked, partial rotary, longrope, a sliding window over every layer, tied): a LoRA job through the official SDK
 * routes every ticket; the merged export writes the stacked tensors, registers again and serves the tuned model's
 * log-probabilities; the PEFT export names the stacked modules PEFT and vLLM know (qkv_proj, gate_up_proj), and that
 * adapter, installed as a tuned model, serves the same log-probabilities; with Debian's torch the independent PyTorch
 * reference scores the merged folder, and the base with the exported adapter, as the engine serves the tuned model.
 * Full fine-tuning trains every weight and writes the stacked tensors.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatCodec } from "../../src/hf/chat-codec.ts";
import { exportTunedModel } from "../../src/hf/export.ts";
import { exportBaseModel } from "../../src/hf/export-base.ts";
import { openHfDecoderModel } from "../../src/hf/load.ts";
import { mergeLora } from "../../src/hf/lora/merge.ts";
import { readPeftAdapter } from "../../src/hf/lora/peft.ts";
import { HfDecoder } from "../../src/hf/model/decoder.ts";
import { HfTokenizer } from "../../src/hf/tokenizer/hf-tokenizer.ts";
import { registerBaseModel } from "../../src/index.ts";
import { findRegisteredBase } from "../../src/models/base-model.repository.ts";
import { findModel } from "../../src/models/model.repository.ts";
import { nativeKernels } from "../../src/trainer/kernels/native.ts";
import { compareLogProbs, llamaCppLogProbs, llamaCppOrSkip, logProbsAt } from "../llama-cpp.ts";
import {
  type EngineScore,
  engineScores,
  FIXTURES,
  installAdapter,
  maxDifference,
  maxEngineDifference,
  referenceScores,
  torchVersion,
  writeConversations,
} from "./export-support.ts";
import { expectLossFellTenfold, expectRoutesTickets, greedyReply, ROUTER_HYPER, trainFullRouter, trainLosses } from "./tuned-checks.ts";
import { disposeTunedFixture, itServesTheMergedExportAsTuned, type TunedFixture, tunedFixture } from "./tuned-fixture.ts";

const BASE = "tiny-phi3";
const baseDir = join(FIXTURES, "phi3");
const TORCH = torchVersion();

let fixture: TunedFixture | undefined;
let ctx: TunedFixture["ctx"];
let work: string;
let tuned: { jobId: string; model: string; dir: string };
let mergedDir: string;
let peftDir: string;
let tunedScores: EngineScore[];

beforeAll(async () => {
  fixture = await tunedFixture(BASE, baseDir);
  ({ ctx, work, tuned, mergedDir, tunedScores } = fixture);
  peftDir = (await exportTunedModel({ modelDir: tuned.dir, format: "peft", outDir: join(work, "peft") })).outDir;
}, 300_000);

afterAll(() => disposeTunedFixture(fixture));

/** A safetensors file's tensor names and shapes (read without the engine's reader). */
function shapes(file: string): Record<string, number[]> {
  const bytes = readFileSync(file);
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString("utf8")) as Record<string, { shape?: number[] }>;
  return Object.fromEntries(Object.entries(header).flatMap(([name, t]) => (t.shape ? [[name, t.shape]] : [])));
}

const config = JSON.parse(readFileSync(join(baseDir, "config.json"), "utf8")) as {
  hidden_size: number;
  intermediate_size: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  head_dim?: number;
};
const headDim = config.head_dim ?? config.hidden_size / config.num_attention_heads;
const qkvRows = (config.num_attention_heads + 2 * config.num_key_value_heads) * headDim;

describe("a LoRA job on Phi-3", () => {
  it("trains through the SDK, and the tuned model routes every ticket", async () => {
    expectLossFellTenfold(await trainLosses(ctx.client, tuned.jobId));
    await expectRoutesTickets(ctx.client, tuned.model);
  });
});

describe("the merged export of a tuned Phi-3", () => {
  it("writes q/k/v and gate/up stacked, as Phi-3 stores them", () => {
    const merged = shapes(join(mergedDir, "model.safetensors"));
    expect(merged["model.layers.0.self_attn.qkv_proj.weight"]).toEqual([qkvRows, config.hidden_size]);
    expect(merged["model.layers.1.mlp.gate_up_proj.weight"]).toEqual([2 * config.intermediate_size, config.hidden_size]);
    expect(
      Object.keys(merged).filter((name) => /q_proj|k_proj|v_proj|gate_proj|up_proj/.test(name.replace(/qkv_proj|gate_up_proj/, ""))),
    ).toEqual([]);
    expect(Object.keys(merged).sort()).toEqual(Object.keys(shapes(join(baseDir, "model.safetensors"))).sort());
  });

  itServesTheMergedExportAsTuned(() => fixture as TunedFixture, "tiny-phi3-merged");
});

describe("the PEFT export of a tuned Phi-3", () => {
  it("adapts the stacked modules PEFT and vLLM know, at one rank: three times the job's (q, k and v side by side)", () => {
    const adapterConfig = JSON.parse(readFileSync(join(peftDir, "adapter_config.json"), "utf8")) as Record<string, unknown>;
    const r = ROUTER_HYPER.lora_rank * 3;
    expect(adapterConfig).toMatchObject({
      peft_type: "LORA",
      r,
      lora_alpha: ROUTER_HYPER.lora_alpha * 3,
      target_modules: ["down_proj", "gate_up_proj", "o_proj", "qkv_proj"],
      base_model_name_or_path: baseDir,
    });
    const adapter = shapes(join(peftDir, "adapter_model.safetensors"));
    expect(adapter["base_model.model.model.layers.0.self_attn.qkv_proj.lora_A.weight"]).toEqual([r, config.hidden_size]);
    expect(adapter["base_model.model.model.layers.0.self_attn.qkv_proj.lora_B.weight"]).toEqual([qkvRows, r]);
    expect(adapter["base_model.model.model.layers.1.mlp.gate_up_proj.lora_B.weight"]).toEqual([2 * config.intermediate_size, r]);
    expect(adapter["base_model.model.model.layers.1.mlp.down_proj.lora_A.weight"]).toEqual([r, config.intermediate_size]);
    expect(Object.keys(adapter).some((name) => /\.(q|k|v|gate|up)_proj\./.test(name))).toBe(false);
  });

  it("installed as a tuned model, serves the tuned model's log-probabilities (≤ 1e-4)", async () => {
    const base = await findRegisteredBase(ctx.engine.store, BASE);
    if (!base) throw new Error(`${BASE} is not registered`);
    await installAdapter(ctx.engine.store, join(work, "engine"), "ft:tiny-phi3:peft-export", peftDir, base);
    const served = await engineScores(ctx.client, "ft:tiny-phi3:peft-export");
    expect(maxEngineDifference(tunedScores, served)).toBeLessThanOrEqual(1e-4);
  });

  it.skipIf(!TORCH)(
    `on the base, is scored by the independent PyTorch reference as the engine serves the tuned model (≤ 1e-3; torch ${TORCH})`,
    async () => {
      const conversations = join(work, "conversations-peft.json");
      writeConversations(conversations);
      const reference = await referenceScores(baseDir, conversations, peftDir);
      expect(maxDifference(tunedScores, reference)).toBeLessThanOrEqual(1e-3);
    },
    120_000,
  );

  it("GGUF (F32) and a GGUF LoRA adapter on the base's GGUF: with llama.cpp, both give the tuned model's log-probabilities within the fixture's 12-key window, the files' context (≤ 1e-3; gguf-phi3.test.ts has the rest)", async () => {
    const merged = await exportTunedModel({ modelDir: tuned.dir, format: "gguf", dtype: "f32", outDir: join(work, "gguf") });
    expect(merged.files).toEqual(["model-f32.gguf"]);
    const lora = await exportTunedModel({ modelDir: tuned.dir, format: "gguf-lora", outDir: join(work, "gguf-lora") });
    expect(lora.files).toEqual(["adapter-f32.gguf"]);
    const llama = await llamaCppOrSkip("phi3.test.ts (GGUF)");
    if (!llama) return;
    const base = await exportBaseModel({ baseDir, format: "gguf", dtype: "f32", outDir: join(work, "gguf-base"), name: BASE });
    // the tuned model as the engine runs it: the job's adapter merged into the base
    const k = nativeKernels();
    const model = openHfDecoderModel(baseDir, k);
    mergeLora(k, model.weights, readPeftAdapter(tuned.dir, model.arch, k));
    const window = model.arch.slidingWindow ?? 0;
    expect(window).toBe(12);
    const tokenizer = await HfTokenizer.fromDirectory(baseDir);
    const ids = chatCodec(tokenizer)
      .encodeChat([{ role: "user", content: "I was charged twice" }] as never, undefined)
      .slice(0, window);
    const ours = logProbsAt(new HfDecoder(model, ids.length).feed(ids, true), ids.length, model.arch.vocab);
    for (const [path, adapter] of [
      [join(base.outDir, "model-f32.gguf"), join(lora.outDir, "adapter-f32.gguf")],
      [join(merged.outDir, "model-f32.gguf"), undefined],
    ] as const) {
      const gguf = await llama.loadModel({ modelPath: path });
      try {
        const theirs = await llamaCppLogProbs(gguf, ids, model.arch.vocab, adapter ? { lora: adapter } : {});
        const { maxDiff, sameArgmax } = compareLogProbs(ours, theirs);
        expect(maxDiff, adapter ? "base + adapter" : "merged").toBeLessThanOrEqual(1e-3);
        expect(sameArgmax).toBe(ids.length);
      } finally {
        await gguf.dispose();
      }
    }
  }, 120_000);
});

describe("full fine-tuning of Phi-3", () => {
  it("trains every weight, answers as trained, writes the stacked tensors, and registers again", async () => {
    const job = await trainFullRouter(ctx, BASE);
    const row = await findModel(ctx.engine.store, job.fine_tuned_model ?? "");
    if (!row) throw new Error("tuned model not stored");
    expect(Object.keys(shapes(join(row.dir, "model.safetensors"))).sort()).toEqual(
      Object.keys(shapes(join(baseDir, "model.safetensors"))).sort(),
    );
    await registerBaseModel(ctx.engine.store, { dir: row.dir, name: "tiny-phi3-full" });
    expect(await greedyReply(ctx.client, "tiny-phi3-full", "I was charged twice")).toBe("billing");
  }, 300_000);
});
