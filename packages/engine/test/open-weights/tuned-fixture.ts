/**
 * The setup the per-architecture end-to-end tests share: an engine with the official SDK, a fixture registered as a
 * base and tuned with LoRA to route the tickets (trainTicketRouter), its merged export, and the tuned model's greedy
 * log-probabilities (engineScores) to compare exports with.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { exportTunedModel } from "../../src/hf/export.ts";
import { registerBaseModel } from "../../src/index.ts";
import { findModel } from "../../src/models/model.repository.ts";
import { engineWithClient } from "../engine-client.ts";
import {
  type EngineScore,
  engineScores,
  maxDifference,
  maxEngineDifference,
  referenceScores,
  torchVersion,
  writeConversations,
} from "./export-support.ts";
import { ROUTER_HYPER, trainTicketRouter } from "./tuned-checks.ts";

export interface TunedFixture {
  ctx: Awaited<ReturnType<typeof engineWithClient>>;
  /** A scratch folder, removed by disposeTunedFixture. */
  work: string;
  tuned: { jobId: string; model: string; dir: string };
  /** The tuned model's merged export (float32). */
  mergedDir: string;
  tunedScores: EngineScore[];
}

/** Registers `baseDir` as `base`, tunes it to route the tickets (`hyperparameters`, ROUTER_HYPER by default), exports it merged. */
export async function tunedFixture(
  base: string,
  baseDir: string,
  hyperparameters: Record<string, unknown> = ROUTER_HYPER,
): Promise<TunedFixture> {
  const work = mkdtempSync(join(tmpdir(), `tunelab-${base}-`));
  const ctx = await engineWithClient({ checkpointEvery: 1000 });
  const job = await trainTicketRouter(ctx, hyperparameters, { base: { dir: baseDir, name: base } });
  const { id: jobId, fine_tuned_model: model } = job;
  if (!model) throw new Error(`job ${jobId} has no tuned model`);
  const row = await findModel(ctx.engine.store, model);
  if (!row) throw new Error(`${model} is not stored`);
  const mergedDir = (await exportTunedModel({ modelDir: row.dir, format: "merged", outDir: join(work, "merged") })).outDir;
  return { ctx, work, tuned: { jobId, model, dir: row.dir }, mergedDir, tunedScores: await engineScores(ctx.client, model) };
}

export async function disposeTunedFixture(fixture: TunedFixture | undefined): Promise<void> {
  await fixture?.ctx.dispose();
  if (fixture) rmSync(fixture.work, { recursive: true, force: true });
}

/**
 * The two checks every architecture's merged export passes, as `it`s of the calling describe: registered again as a
 * base, it serves the tuned model's log-probabilities (≤ 1e-4); with Debian's torch, the independent PyTorch reference
 * scores it as the engine serves the tuned model (≤ 1e-3). `fixture` is read when the tests run (after beforeAll).
 */
export function itServesTheMergedExportAsTuned(fixture: () => TunedFixture, registerAs: string): void {
  const torch = torchVersion();
  it("registered again as a base, gives the tuned model's log-probabilities (≤ 1e-4)", async () => {
    const { ctx, mergedDir, tunedScores } = fixture();
    await registerBaseModel(ctx.engine.store, { dir: mergedDir, name: registerAs });
    expect(maxEngineDifference(tunedScores, await engineScores(ctx.client, registerAs))).toBeLessThanOrEqual(1e-4);
  });

  it.skipIf(!torch)(
    `is scored by the independent PyTorch reference as the engine serves the tuned model (≤ 1e-3; torch ${torch})`,
    async () => {
      const { work, mergedDir, tunedScores } = fixture();
      const conversations = join(work, "conversations.json");
      writeConversations(conversations);
      expect(maxDifference(tunedScores, await referenceScores(mergedDir, conversations))).toBeLessThanOrEqual(1e-3);
    },
    120_000,
  );
}
