/**
 * The config.json of a merged export states the type of the weights written, under both names transformers reads:
 * a base written by transformers ≥ 4.56 (`"dtype": "bfloat16"`) exported as float32 says float32 under `dtype` and
 * `torch_dtype` alike (it used to keep the base's `dtype` beside `"torch_dtype": "float32"`). Exported for real from a
 * tuned model folder made of the committed adapter (fixtures/hf/export) on a copy of its base.
 */
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { inspectCheckpoint } from "./checkpoint.ts";
import { exportTunedModel } from "./export.ts";
import { digestFiles } from "./fingerprint.ts";
import { copyFixture, FIXTURES_DIR, removeCopy } from "./test-support/broken-checkpoints.ts";

const copies: string[] = [];
afterAll(() => {
  for (const dir of copies) removeCopy(dir);
});

/** A copy of qwen3 whose config.json is edited, and a tuned model of it (the committed adapter). */
async function tunedOn(edit: (config: Record<string, unknown>) => void): Promise<string> {
  const baseDir = copyFixture("qwen3");
  copies.push(baseDir);
  const configPath = join(baseDir, "config.json");
  const config = JSON.parse(readFileSync(configPath, "utf8")) as Record<string, unknown>;
  edit(config);
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const { fingerprint } = await digestFiles(baseDir, inspectCheckpoint(baseDir).files);
  const modelDir = join(baseDir, "..", "tuned");
  cpSync(join(FIXTURES_DIR, "export", "adapter"), modelDir, { recursive: true });
  const base = { name: "tiny", dir: baseDir, fingerprint };
  writeFileSync(join(modelDir, "tunelab.json"), JSON.stringify({ format: "tunelab-lora", version: 1, base }));
  return modelDir;
}

const exportedConfig = async (modelDir: string, dtype: "f32" | "bf16") => {
  const { outDir } = await exportTunedModel({ modelDir, format: "merged", dtype, outDir: `${modelDir}-merged-${dtype}` });
  return JSON.parse(readFileSync(join(outDir, "config.json"), "utf8")) as Record<string, unknown>;
};

describe("a merged export's config.json", () => {
  it("a base with transformers 4.56's dtype key: dtype and torch_dtype both name the weights written", async () => {
    const modelDir = await tunedOn((c) => {
      delete c.torch_dtype;
      c.dtype = "bfloat16";
    });
    expect(await exportedConfig(modelDir, "f32")).toMatchObject({ dtype: "float32", torch_dtype: "float32" });
    expect(await exportedConfig(modelDir, "bf16")).toMatchObject({ dtype: "bfloat16", torch_dtype: "bfloat16" });
  });

  it("a base with torch_dtype only gets no dtype key", async () => {
    const modelDir = await tunedOn((c) => {
      c.torch_dtype = "bfloat16";
      delete c.dtype;
    });
    const config = await exportedConfig(modelDir, "f32");
    expect(config.torch_dtype).toBe("float32");
    expect(config).not.toHaveProperty("dtype");
  });
});
