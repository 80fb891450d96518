import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportBaseModel } from "../../src/hf/export-base.ts";
import { registerBaseModel } from "../../src/index.ts";
import { findModel } from "../../src/models/model.repository.ts";
import { ggufAgainstEngine, llamaCppOrSkip } from "../llama-cpp.ts";
import { FIXTURES, torchVersion } from "./export-support.ts";
import { expectLossFellTenfold, expectRoutesTickets, greedyReply, ROUTER_HYPER, trainFullRouter, trainLosses } from "./tuned-checks.ts";
import { disposeTunedFixture, itServesTheMergedExportAsTuned, type TunedFixture, tunedFixture } from "./tuned-fixture.ts";

const BASE = "tiny-granite";
const baseDir = join(FIXTURES, "granite");
const _TORCH = torchVersion();
const llama = await llamaCppOrSkip("granite.test.ts");

let fixture: TunedFixture | undefined;
let ctx: TunedFixture["ctx"];
let work: string;
let tuned: { jobId: string; model: string; dir: string };

beforeAll(async () => {
  // the fixture divides its logits by 8 (logits_scaling), so the same updates move its predictions less: 40 epochs, not 20
  fixture = await tunedFixture(BASE, baseDir, { ...ROUTER_HYPER, n_epochs: 40 });
  ({ ctx, work, tuned } = fixture);
}, 300_000);

afterAll(() => disposeTunedFixture(fixture));

describe("a LoRA job on Granite", () => {
  it("trains through the SDK, and the tuned model routes every ticket", async () => {
    expectLossFellTenfold(await trainLosses(ctx.client, tuned.jobId));
    await expectRoutesTickets(ctx.client, tuned.model);
  });
});

describe("the exports of a tuned Granite", () => {
  itServesTheMergedExportAsTuned(() => fixture as TunedFixture, "tiny-granite-merged");

  it.skipIf(!llama)(
    "as GGUF, runs in llama.cpp as in the engine (f32, every position, ≤ 1e-3)",
    async () => {
      const out = await exportBaseModel({ name: BASE, baseDir, format: "gguf", dtype: "f32", outDir: join(work, "gguf") });
      const path = join(out.outDir, out.files[0] as string);
      const lib = llama as NonNullable<typeof llama>;
      const meta = (await lib.readGgufFileInfo(path)).metadata as { general: { architecture: string }; granite: Record<string, unknown> };
      expect(meta.general.architecture).toBe("granite");
      expect(Object.keys(meta.granite)).toEqual(expect.arrayContaining(["embedding_scale", "residual_scale", "logit_scale", "attention"]));
      const tokens = Array.from({ length: 48 }, (_, i) => (i * 37 + 11) % 400);
      const { maxDiff, sameArgmax } = await ggufAgainstEngine(lib, path, baseDir, tokens);
      expect(sameArgmax).toBe(tokens.length);
      expect(maxDiff).toBeLessThanOrEqual(1e-3);
    },
    120_000,
  );
});

describe("full fine-tuning of Granite", () => {
  it("trains every weight, answers as trained, and registers again", async () => {
    const job = await trainFullRouter(ctx, BASE);
    const row = await findModel(ctx.engine.store, job.fine_tuned_model ?? "");
    if (!row) throw new Error("tuned model not stored");
    await registerBaseModel(ctx.engine.store, { dir: row.dir, name: "tiny-granite-full" });
    expect(await greedyReply(ctx.client, "tiny-granite-full", "I was charged twice")).toBe("billing");
  }, 300_000);
});
