/**
 * Gemma 2 end to end on the `gemma2` fixture (hf_reference.py: soft-capped attention scores and output logits, a
 * sliding-window layer and a global one, head_dim ≠ hidden / heads, query_pre_attn_scalar ≠ head_dim, norms stored as w
 * for a scale of 1 + w, no q/k norms): a LoRA job through the official SDK routes every ticket; the merged export
 * registers again and serves the tuned model's log-probabilities; with Debian's torch the independent PyTorch reference
 * scores the merged folder as the engine serves the tuned model; llama.cpp runs its GGUF as the engine does. Full
 * fine-tuning trains every weight.
 */
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportTunedModel } from "../../src/hf/export.ts";
import { exportBaseModel } from "../../src/hf/export-base.ts";
import { registerBaseModel } from "../../src/index.ts";
import { findModel } from "../../src/models/model.repository.ts";
import { ggufAgainstEngine, llamaCppOrSkip } from "../llama-cpp.ts";
import { FIXTURES, torchVersion } from "./export-support.ts";
import { expectLossFellTenfold, expectRoutesTickets, greedyReply, trainFullRouter, trainLosses } from "./tuned-checks.ts";
import { disposeTunedFixture, itServesTheMergedExportAsTuned, type TunedFixture, tunedFixture } from "./tuned-fixture.ts";

const BASE = "tiny-gemma2";
const baseDir = join(FIXTURES, "gemma2");
const _TORCH = torchVersion();
const llama = await llamaCppOrSkip("gemma2.test.ts");

let fixture: TunedFixture | undefined;
let ctx: TunedFixture["ctx"];
let work: string;
let tuned: { jobId: string; model: string; dir: string };

beforeAll(async () => {
  fixture = await tunedFixture(BASE, baseDir);
  ({ ctx, work, tuned } = fixture);
}, 300_000);

afterAll(() => disposeTunedFixture(fixture));

describe("a LoRA job on Gemma 2", () => {
  it("trains through the SDK, and the tuned model routes every ticket", async () => {
    expectLossFellTenfold(await trainLosses(ctx.client, tuned.jobId));
    await expectRoutesTickets(ctx.client, tuned.model);
  });
});

describe("the merged export of a tuned Gemma 2", () => {
  itServesTheMergedExportAsTuned(() => fixture as TunedFixture, "tiny-gemma2-merged");

  it("exports as llama.cpp's gemma2 (soft caps in the metadata), refused where llama.cpp's score scale differs", async () => {
    // the fixture's query_pre_attn_scalar (24) is not the head size llama.cpp scales by (32)
    await expect(exportTunedModel({ modelDir: tuned.dir, format: "gguf", outDir: join(work, "gguf-refused") })).rejects.toThrow(
      /llama.cpp would not run this Gemma 2 model as it is: it scales attention scores by 0.204124/,
    );
  });

  it.skipIf(!llama)(
    "as a GGUF file, a copy scaled as llama.cpp scales runs in llama.cpp as in the engine (f32)",
    async () => {
      const dir = join(work, "gemma2-gguf");
      cpSync(baseDir, dir, { recursive: true });
      const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Record<string, unknown>;
      writeFileSync(join(dir, "config.json"), JSON.stringify({ ...config, query_pre_attn_scalar: config.head_dim }));
      await registerBaseModel(ctx.engine.store, { dir, name: "tiny-gemma2-gguf" });
      const out = await exportBaseModel({
        name: "tiny-gemma2-gguf",
        baseDir: dir,
        format: "gguf",
        dtype: "f32",
        outDir: join(work, "gguf"),
      });
      const path = join(out.outDir, out.files[0] as string);
      const lib = llama as NonNullable<typeof llama>;
      const meta = (await lib.readGgufFileInfo(path)).metadata as { general: { architecture: string }; gemma2: Record<string, unknown> };
      expect(meta.general.architecture).toBe("gemma2");
      expect(meta.gemma2).toMatchObject({
        attn_logit_softcapping: config.attn_logit_softcapping,
        final_logit_softcapping: config.final_logit_softcapping,
      });
      const tokens = Array.from({ length: 24 }, (_, i) => (i * 37 + 11) % 400);
      const { maxDiff, sameArgmax } = await ggufAgainstEngine(lib, path, dir, tokens);
      expect(sameArgmax).toBe(tokens.length);
      // llama.cpp's CPU GELU goes through a float16 table (gguf-llama-cpp.test.ts)
      expect(maxDiff).toBeLessThanOrEqual(2e-2);
    },
    120_000,
  );
});

describe("full fine-tuning of Gemma 2", () => {
  it("trains every weight, answers as trained, and registers again", async () => {
    const job = await trainFullRouter(ctx, BASE);
    const row = await findModel(ctx.engine.store, job.fine_tuned_model ?? "");
    if (!row) throw new Error("tuned model not stored");
    await registerBaseModel(ctx.engine.store, { dir: row.dir, name: "tiny-gemma2-full" });
    expect(await greedyReply(ctx.client, "tiny-gemma2-full", "I was charged twice")).toBe("billing");
  }, 300_000);
});
