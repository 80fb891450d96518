/**
 * A tuned open-weight model on disk: a PEFT adapter (adapter_config.json + adapter_model.safetensors)
 * plus `tunelab.json` naming the base it adapts (registered name, directory and content
 * fingerprint). Checkpoints add `optimizer.bin` (AdamW moments, float32) and `state.json`.
 * Written under a temporary name and renamed into place, as trainer/model-dir.ts does.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";
import type { Kernels, Vec } from "../../trainer/kernels/types.ts";
import type { TrainingState } from "../../trainer/model-dir.ts";
import type { HfArchitecture } from "../config.ts";
import type { QuantizedBaseWeights } from "../model/weights.ts";
import type { LoraParams } from "./params.ts";
import { isPeftDir, readPeftAdapter, writePeftAdapter } from "./peft.ts";
import { peftBase } from "./peft-base.ts";

export const HfBaseRef = z.object({
  name: z.string(),
  dir: z.string(),
  fingerprint: z.string(),
  /** What the base was registered from (`hf:ORG/NAME[@REV]` or a folder); absent from models tuned before it was recorded. */
  source: z.string().optional(),
  /** The base's files as registered (name, size, sha256), so an export can tell which one changed. */
  files: z.array(z.object({ name: z.string(), bytes: z.number(), sha256: z.string() })).optional(),
});
export type HfBaseRef = z.infer<typeof HfBaseRef>;

const TunelabJson = z.object({
  format: z.literal("tunelab-lora"),
  version: z.literal(1),
  base: HfBaseRef,
  method: z.string().optional(),
  /**
   * `q8_0` / `q4_0`: the adapter was trained on the base held in 8-bit Q8 or 4-bit Q4 blocks, and is served on it too
   * (absent: as stored).
   */
  base_weights: z.enum(["q8_0", "q4_0"]).optional(),
});

export const isLoraDir = (dir: string) => existsSync(join(dir, "tunelab.json")) && isPeftDir(dir);

const readTunelabJson = (dir: string) => TunelabJson.parse(JSON.parse(readFileSync(join(dir, "tunelab.json"), "utf8")));

export function readLoraBase(dir: string): HfBaseRef {
  return readTunelabJson(dir).base;
}

/** How the adapter's base is held when it serves: as it was when the adapter trained. */
export function readLoraBaseWeights(dir: string): QuantizedBaseWeights | undefined {
  return readTunelabJson(dir).base_weights;
}

export interface LoraFiles {
  lora: LoraParams;
  optimizer?: { m: Float32Array; v: Float32Array };
  state?: TrainingState;
}

const bytes = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

export function saveLoraDir(
  dir: string,
  base: HfBaseRef,
  lora: LoraParams,
  extra: { optimizer?: { m: Vec; v: Vec }; state?: TrainingState; method?: string; baseWeights?: QuantizedBaseWeights } = {},
): void {
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  writePeftAdapter(tmp, lora, peftBase(base));
  writeFileSync(
    join(tmp, "tunelab.json"),
    `${JSON.stringify(
      {
        format: "tunelab-lora",
        version: 1,
        base,
        ...(extra.method ? { method: extra.method } : {}),
        ...(extra.baseWeights ? { base_weights: extra.baseWeights } : {}),
      },
      null,
      2,
    )}\n`,
  );
  if (extra.optimizer) {
    const n = lora.params.length;
    const both = new Float32Array(2 * n);
    both.set(extra.optimizer.m);
    both.set(extra.optimizer.v, n);
    writeFileSync(join(tmp, "optimizer.bin"), bytes(both));
  }
  if (extra.state) writeFileSync(join(tmp, "state.json"), `${JSON.stringify(extra.state, null, 2)}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
}

export function loadLoraDir(dir: string, arch: HfArchitecture, k: Kernels): LoraFiles {
  const lora = readPeftAdapter(dir, arch, k);
  const files: LoraFiles = { lora };
  const opt = join(dir, "optimizer.bin");
  if (existsSync(opt)) {
    const buf = readFileSync(opt);
    const n = lora.params.length;
    if (buf.byteLength !== 8 * n) throw new Error(`${opt}: expected ${8 * n} bytes, found ${buf.byteLength}`);
    const both = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    files.optimizer = { m: both.slice(0, n), v: both.slice(n) };
  }
  const state = join(dir, "state.json");
  if (existsSync(state)) files.state = JSON.parse(readFileSync(state, "utf8")) as TrainingState;
  return files;
}
