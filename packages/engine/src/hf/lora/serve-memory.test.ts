/**
 * Serving a LoRA-tuned model keeps its base's weights as loaded (bf16: 2 bytes a parameter) and adds only the adapter;
 * folding the adapter into the weights made float32 copies of every adapted matrix (4 bytes a parameter of them: 600 MB
 * resident instead of 375 MB at SmolLM2-135M, 4.4 GB instead of 2.5 GB at Llama-3.2-1B, r 16 on every projection).
 * Counted as the array-buffer bytes alive after a GC in a child process that opened the model as the inference worker
 * does (on the previous code: 1.88 times the base's bf16 bytes and the adapter's; now 1.01).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { nativeKernels } from "../../trainer/kernels/native.ts";
import { inspectCheckpoint } from "../checkpoint.ts";
import { writeRandomCheckpoint } from "../test-support/random-checkpoint.ts";
import { DEFAULT_LORA } from "./settings.ts";
import { writeRandomAdapter } from "./test-support/random-adapter.ts";

const CHILD = fileURLToPath(new URL("./test-support/serve-memory-child.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "tunelab-serve-mem-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("serving a LoRA-tuned open-weight model", () => {
  it("costs its bf16 base and the adapter, not float32 copies of the adapted weights", () => {
    const base = join(dir, "base");
    const adapter = join(dir, "adapter");
    mkdirSync(base);
    mkdirSync(adapter);
    // about 9M parameters as bf16 (18 MB); float32 copies of the adapted projections would add about 33 MB
    const n = writeRandomCheckpoint(base, { hidden: 512, intermediate: 1024, layers: 4, heads: 8, kvHeads: 4 }, "qwen2", 1, "BF16");
    const lora = writeRandomAdapter(adapter, inspectCheckpoint(base).arch, { ...DEFAULT_LORA, rank: 8 }, nativeKernels());
    const out = execFileSync(process.execPath, ["--expose-gc", "--import", "tsx", CHILD, base, adapter], { encoding: "utf8" });
    const { arrayBuffers, layers } = JSON.parse(out.trim().split("\n").at(-1) as string) as { arrayBuffers: number; layers: number };
    expect(layers).toBe(4);
    // the base as bf16 (2 bytes a parameter), the adapter as float32, the RoPE tables and small change
    expect(arrayBuffers / (2 * n + 4 * lora.params.length)).toBeLessThan(1.25);
  }, 120_000);
});
