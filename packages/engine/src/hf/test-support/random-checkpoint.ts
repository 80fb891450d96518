/**
 * A bigger Hugging Face checkpoint than the committed fixtures, for tests that need work to take a while (stopping an
 * export midway): a fixture's tokenizer and config with larger dimensions, and float32 weights from a seeded
 * generator (small values, norms at 1), so nothing large is committed.
 */
import { cpSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { normShift, parseHfConfig } from "../config.ts";
import { writeSafetensors } from "../safetensors-write.ts";
import { expectedTensors } from "../tensor-names.ts";
import { FIXTURES_DIR } from "./broken-checkpoints.ts";

export interface CheckpointSize {
  hidden: number;
  intermediate: number;
  layers: number;
  heads: number;
  kvHeads: number;
  /** config.json's vocab_size (the fixture's when absent). */
  vocab?: number;
}

/** Writes the checkpoint into `dir` (which must exist), float32 unless `dtype` says BF16 or F16; returns its parameter count. */
export function writeRandomCheckpoint(
  dir: string,
  size: CheckpointSize,
  fixture = "qwen2",
  seed = 1,
  dtype: "F32" | "BF16" | "F16" = "F32",
): number {
  for (const f of readdirSync(join(FIXTURES_DIR, fixture)))
    if (!f.endsWith(".safetensors") && f !== "config.json") cpSync(join(FIXTURES_DIR, fixture, f), join(dir, f));
  const config = JSON.parse(readFileSync(join(FIXTURES_DIR, fixture, "config.json"), "utf8")) as Record<string, unknown>;
  Object.assign(config, {
    hidden_size: size.hidden,
    intermediate_size: size.intermediate,
    num_hidden_layers: size.layers,
    max_window_layers: size.layers,
    num_attention_heads: size.heads,
    num_key_value_heads: size.kvHeads,
    torch_dtype: { F32: "float32", BF16: "bfloat16", F16: "float16" }[dtype],
    ...(size.vocab ? { vocab_size: size.vocab } : {}),
  });
  writeFileSync(join(dir, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
  let state = seed >>> 0 || 1;
  const arch = parseHfConfig(config);
  const tensors = expectedTensors(arch).map((t) => {
    const data = new Float32Array(t.shape.reduce((a, b) => a * b, 1));
    // norms scale by 1 (Gemma stores w for 1 + w)
    if (t.name.endsWith("norm.weight")) data.fill(1 - normShift(arch));
    else
      for (let i = 0; i < data.length; i++) {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0; // LCG: fast and deterministic
        data[i] = (state / 2 ** 32 - 0.5) * 0.04;
      }
    return { name: t.name, shape: t.shape, data };
  });
  writeSafetensors(join(dir, "model.safetensors"), tensors, dtype);
  return tensors.reduce((n, t) => n + t.data.length, 0);
}
