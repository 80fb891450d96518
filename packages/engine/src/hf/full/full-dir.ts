/**
 * A fully fine-tuned open-weight model on disk: a complete Hugging Face checkpoint (config.json,
 * float32 model.safetensors, the base's tokenizer and generation files) plus `tunelab.json` naming
 * the base it was tuned from. Checkpoints add `optimizer.bin` (AdamW moments) and `state.json`.
 * The directory loads like any registered base (openHfModel), and exports as a merged checkpoint.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";
import type { Kernels, Vec } from "../../trainer/kernels/types.ts";
import type { TrainingState } from "../../trainer/model-dir.ts";
import { inspectCheckpoint } from "../checkpoint.ts";
import type { HfArchitecture } from "../config.ts";
import { setConfigDtype } from "../config-dtype.ts";
import { HfBaseRef } from "../lora/lora-dir.ts";
import { loadHfWeights } from "../model/weights.ts";
import { writeSafetensors } from "../safetensors-write.ts";
import { type FullLayout, flatten } from "./params.ts";

export const HF_SIDE_FILES = [
  "tokenizer.json",
  "tokenizer_config.json",
  "special_tokens_map.json",
  "generation_config.json",
  "chat_template.jinja",
];

const FullJson = z.object({ format: z.literal("tunelab-full"), version: z.literal(1), base: HfBaseRef });

export function isFullDir(dir: string): boolean {
  try {
    return FullJson.safeParse(JSON.parse(readFileSync(join(dir, "tunelab.json"), "utf8"))).success;
  } catch {
    return false;
  }
}

export function readFullBase(dir: string): HfBaseRef {
  return FullJson.parse(JSON.parse(readFileSync(join(dir, "tunelab.json"), "utf8"))).base;
}

const bytes = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

export function saveFullDir(
  dir: string,
  base: HfBaseRef,
  layout: FullLayout,
  params: Vec,
  extra: { optimizer?: { m: Vec; v: Vec }; state?: TrainingState } = {},
): void {
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  writeSafetensors(
    join(tmp, "model.safetensors"),
    layout.tensors.map((t) => ({ name: t.name, shape: t.shape, data: params.subarray(t.offset, t.offset + t.size) })),
    "F32",
  );
  const config = JSON.parse(readFileSync(join(base.dir, "config.json"), "utf8")) as Record<string, unknown>;
  setConfigDtype(config, "float32");
  writeFileSync(join(tmp, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
  for (const f of HF_SIDE_FILES) if (existsSync(join(base.dir, f))) copyFileSync(join(base.dir, f), join(tmp, f));
  writeFileSync(join(tmp, "tunelab.json"), `${JSON.stringify({ format: "tunelab-full", version: 1, base }, null, 2)}\n`);
  if (extra.optimizer) {
    const both = new Float32Array(2 * params.length);
    both.set(extra.optimizer.m);
    both.set(extra.optimizer.v, params.length);
    writeFileSync(join(tmp, "optimizer.bin"), bytes(both));
  }
  if (extra.state) writeFileSync(join(tmp, "state.json"), `${JSON.stringify(extra.state, null, 2)}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
}

export function loadFullDir(
  dir: string,
  arch: HfArchitecture,
  layout: FullLayout,
  k: Kernels,
): { params: Vec; optimizer?: { m: Float32Array; v: Float32Array }; state?: TrainingState } {
  const params = flatten(k, arch, layout, loadHfWeights(inspectCheckpoint(dir), { keepBf16: false }));
  const out: { params: Vec; optimizer?: { m: Float32Array; v: Float32Array }; state?: TrainingState } = { params };
  const opt = join(dir, "optimizer.bin");
  if (existsSync(opt)) {
    const buf = readFileSync(opt);
    const n = layout.size;
    if (buf.byteLength !== 8 * n) throw new Error(`${opt}: expected ${8 * n} bytes, found ${buf.byteLength}`);
    const both = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    out.optimizer = { m: both.slice(0, n), v: both.slice(n) };
  }
  const state = join(dir, "state.json");
  if (existsSync(state)) out.state = JSON.parse(readFileSync(state, "utf8")) as TrainingState;
  return out;
}
