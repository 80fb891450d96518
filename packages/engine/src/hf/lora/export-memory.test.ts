/**
 * Exporting a LoRA-tuned model as a merged checkpoint or a GGUF file keeps the base's weights as loaded (bf16) and
 * folds the adapter into one projection at a time as it is written. Before, the merge made float32 copies of every
 * adapted projection, and the merged checkpoint float32 copies of every other tensor too, before writing anything:
 * about 2.3 times the bf16 base at the peak (estimated 6–7 GB for a merged Llama-3.2-1B, 4.0 GB measured for its GGUF).
 * Counted as the most array-buffer bytes alive after a GC at each stage and tensor written, in a child process.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nativeKernels } from "../../trainer/kernels/native.ts";
import { inspectCheckpoint } from "../checkpoint.ts";
import { combineDigests, sha256FileSync } from "../fingerprint.ts";
import { writeRandomCheckpoint } from "../test-support/random-checkpoint.ts";
import { DEFAULT_LORA } from "./settings.ts";
import { writeRandomAdapter } from "./test-support/random-adapter.ts";

const CHILD = fileURLToPath(new URL("./test-support/export-memory-child.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "tunelab-export-mem-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = join(dir, "base");
const tuned = join(dir, "tuned");
/** The bytes the export may not avoid holding: the base as bf16 (2 bytes a parameter) and the adapter as float32. */
let floor = 0;

beforeAll(() => {
  mkdirSync(base);
  mkdirSync(tuned);
  // about 9M parameters as bf16 (18 MB); the largest single tensor is 2 MB as float32
  const n = writeRandomCheckpoint(base, { hidden: 512, intermediate: 1024, layers: 4, heads: 8, kvHeads: 4 }, "qwen2", 1, "BF16");
  const checkpoint = inspectCheckpoint(base);
  const lora = writeRandomAdapter(tuned, checkpoint.arch, { ...DEFAULT_LORA, rank: 8 }, nativeKernels());
  const fingerprint = combineDigests(checkpoint.files.map((f) => ({ name: f.name, sha256: sha256FileSync(join(base, f.name)) })));
  writeFileSync(
    join(tuned, "tunelab.json"),
    JSON.stringify({ format: "tunelab-lora", version: 1, base: { name: "random-base", dir: base, fingerprint } }),
  );
  floor = 2 * n + 4 * lora.params.length;
});

describe.each([
  { format: "merged", dtype: "bf16" },
  { format: "merged", dtype: "f32" },
  { format: "gguf", dtype: "q8_0" },
])("a $format ($dtype) export of a LoRA-tuned model", ({ format, dtype }) => {
  it("holds the bf16 base and one float32 tensor at a time, not float32 copies of the model", () => {
    const out = execFileSync(
      process.execPath,
      ["--expose-gc", "--import", "tsx", CHILD, tuned, format, dtype, join(dir, `out-${format}-${dtype}`)],
      { encoding: "utf8" },
    );
    const { peakArrayBuffers, samples } = JSON.parse(out.trim().split("\n").at(-1) as string) as {
      peakArrayBuffers: number;
      samples: number;
    };
    expect(samples).toBeGreaterThan(10);
    expect(peakArrayBuffers / floor).toBeLessThan(1.6);
  }, 120_000);
});
