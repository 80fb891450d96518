/**
 * Writes the committed expectation of export.test.ts (packages/engine/fixtures/hf/export/): the LoRA
 * adapter the engine trains on the tiny Qwen3 fixture with a fixed seed, exported as PEFT, and the
 * PyTorch reference's scores for it (base + adapter merged in float64, and the engine's merged f32
 * export). With these, a machine without torch (CI) still checks the engine against Python's numbers.
 *
 *   node --import tsx packages/engine/test/open-weights/export-fixture.ts
 *
 * Needs Debian's /usr/bin/python3 with python3-torch (see fixtures/hf/README.md). Rerun it when the
 * reference script, the fixtures, the chat template or the LoRA export format change.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { exportTunedModel } from "../../src/hf/export.ts";
import { registerBaseModel } from "../../src/index.ts";
import { findModel } from "../../src/models/model.repository.ts";
import { engineWithClient } from "../engine-client.ts";
import {
  BASE_CASE,
  COMMITTED_ADAPTER,
  COMMITTED_EXPECTATION,
  CONVERSATIONS,
  FIXTURES,
  HYPER,
  MAX_NEW_TOKENS,
  MIN_MARGIN,
  type ReferenceRun,
  referenceScores,
  SEED,
  TOP,
  torchVersion,
  trainTunedModel,
  trimReference,
  writeConversations,
} from "./export-support.ts";

const REPO = join(FIXTURES, "..", "..", "..", "..");

async function main(): Promise<void> {
  const torch = torchVersion();
  if (!torch)
    throw new Error("/usr/bin/python3 cannot import torch: apt-get install -y python3-torch python3-jinja2 python3-regex python3-numpy");
  const work = mkdtempSync(join(tmpdir(), "tunelab-export-fixture-"));
  const ctx = await engineWithClient({ checkpointEvery: 1000 });
  try {
    const baseDir = join(FIXTURES, BASE_CASE);
    await registerBaseModel(ctx.engine.store, { dir: baseDir, name: `tiny-${BASE_CASE}` });
    const { model } = await trainTunedModel(ctx.client, `tiny-${BASE_CASE}`);
    const row = await findModel(ctx.engine.store, model);
    if (!row) throw new Error(`${model} not stored`);
    const peft = await exportTunedModel({
      modelDir: row.dir,
      format: "peft",
      outDir: join(work, "peft"),
      baseModelNameOrPath: `fixtures/hf/${BASE_CASE}`,
    });
    const merged = await exportTunedModel({ modelDir: row.dir, format: "merged", outDir: join(work, "merged") });
    const conversations = join(work, "conversations.json");
    writeConversations(conversations);
    const [base, withAdapter, mergedScores] = [
      await referenceScores(baseDir, conversations),
      await referenceScores(baseDir, conversations, peft.outDir),
      await referenceScores(merged.outDir, conversations),
    ];
    check(withAdapter, base);
    rmSync(COMMITTED_ADAPTER, { recursive: true, force: true });
    mkdirSync(COMMITTED_ADAPTER, { recursive: true });
    for (const f of peft.files) copyFileSync(join(peft.outDir, f), join(COMMITTED_ADAPTER, f));
    const expectation = {
      generator: {
        command: "node --import tsx packages/engine/test/open-weights/export-fixture.ts",
        reference: `/usr/bin/python3 packages/engine/scripts/hf_reference.py score --model packages/engine/fixtures/hf/${BASE_CASE} [--adapter ADAPTER | MERGED] --conversations CONVERSATIONS --max-new-tokens ${MAX_NEW_TOKENS} --top ${TOP}`,
        torch,
        compute_dtype: "float64",
      },
      base: BASE_CASE,
      seed: SEED,
      hyperparameters: HYPER,
      max_new_tokens: MAX_NEW_TOKENS,
      top: TOP,
      conversations: CONVERSATIONS,
      reference: {
        base: trimReference(base),
        peft: trimReference(withAdapter),
        merged_f32: trimReference(mergedScores),
      },
    };
    writeFileSync(COMMITTED_EXPECTATION, `${JSON.stringify(expectation, null, 1)}\n`);
    process.stdout.write(
      `wrote ${relative(REPO, COMMITTED_ADAPTER)}/ (${peft.files.join(", ")}) and ${relative(REPO, COMMITTED_EXPECTATION)}\n`,
    );
  } finally {
    await ctx.dispose();
    rmSync(work, { recursive: true, force: true });
  }
}

/** The expectation is only useful if the adapter moves the model and every greedy step is unambiguous. */
function check(tuned: ReferenceRun, base: ReferenceRun): void {
  let moved = 0;
  for (const r of tuned.results) {
    if (r.greedy.min_top2_margin < MIN_MARGIN)
      throw new Error(`${r.conversation}: top-2 margin ${r.greedy.min_top2_margin} < ${MIN_MARGIN}; change SEED or CONVERSATIONS`);
    const b = base.results.find((x) => x.conversation === r.conversation);
    moved = Math.max(moved, Math.abs((r.top_logprobs[0]?.logprob ?? 0) - (b?.top_logprobs[0]?.logprob ?? 0)));
  }
  if (moved < 0.1) throw new Error(`the adapter moves the top log-probability by only ${moved}; train harder`);
  process.stdout.write(`adapter moves the top log-probability by up to ${moved.toFixed(3)} nats\n`);
}

await main();
