/**
 * A completed full fine-tuning run keeps its last checkpoint's weights and state but not its AdamW moments (8 bytes a
 * parameter: 1 GB for SmolLM2-135M, 10 GB at 1B, next to a final model of the same weights). Resuming from that
 * checkpoint (a restart after the final model was written) still completes.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ChatExample, TrainRequest } from "../../trainer/types.ts";
import { FIXTURES_DIR } from "../test-support/broken-checkpoints.ts";
import { runLoraTraining } from "./loop.ts";

const out = mkdtempSync(join(tmpdir(), "tunelab-full-last-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const training: ChatExample[] = Array.from({ length: 10 }, (_, i) => ({
  messages: [
    { role: "user", content: `ticket number ${i}` },
    { role: "assistant", content: i % 2 ? "billing" : "bug" },
  ],
}));

describe("a completed full fine-tuning run", () => {
  it("deletes the optimizer moments of its last checkpoint, which still resumes", async () => {
    const request: TrainRequest = {
      base: { hf: { name: "tiny-qwen2", dir: join(FIXTURES_DIR, "qwen2"), fingerprint: "test" } },
      fullFineTune: true,
      training,
      hyperparameters: { nEpochs: 1, batchSize: 5, learningRateMultiplier: 1 },
      seed: 1,
      outputDir: out,
      checkpointEvery: 1,
    };
    const result = await runLoraTraining(request);
    expect(result.steps).toBe(2);
    expect(existsSync(join(out, "final", "model.safetensors"))).toBe(true);
    expect(existsSync(join(out, "step-1", "optimizer.bin"))).toBe(true); // an earlier checkpoint is left as it was
    expect(existsSync(join(out, "step-2", "model.safetensors"))).toBe(true);
    expect(existsSync(join(out, "step-2", "state.json"))).toBe(true);
    expect(existsSync(join(out, "step-2", "optimizer.bin"))).toBe(false);
    const resumed = await runLoraTraining({ ...request, resumeFrom: join(out, "step-2") });
    expect(resumed.steps).toBe(2);
  }, 120_000);
});
